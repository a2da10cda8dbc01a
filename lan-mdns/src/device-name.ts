/**
 * How an app tells the relay which device it runs on, so the relay's views can name the device
 * where no mDNS responder answers for its address (Windows, Linux without Avahi). Plain data and
 * functions, no Node APIs: the relay validates with the same rule the client applies.
 */

/**
 * The request header carrying the name. The published Client opens its WebSockets without
 * headers, so lan-client sends it on a small POST to DEVICE_NAME_PATH; clients that can set
 * headers on their upgrade requests may send it there instead.
 */
export const DEVICE_NAME_HEADER = 'x-switchboard-device'

/** Where a client posts its device name (the header; the body is ignored). */
export const DEVICE_NAME_PATH = '/_switchboard/device'

/** A DNS label's length: long enough for any host name's first label and a person's wording of it. */
export const MAX_DEVICE_NAME_LENGTH = 63

/**
 * The name to show for a header value, or why it cannot be one. Headers arrive as Latin-1 bytes, so
 * UTF-8 names are percent-encoded by the client (encodeURIComponent) and decoded here.
 */
export function parseDeviceName(value: string | string[] | undefined): { ok: true; name: string } | { ok: false; reason: string } {
  if (Array.isArray(value)) return { ok: false, reason: value.length === 0 ? 'no device name' : 'more than one device name header' }
  if (value === undefined) return { ok: false, reason: 'no device name' }
  if (value.length > MAX_DEVICE_NAME_LENGTH * 9) return { ok: false, reason: `device name longer than ${MAX_DEVICE_NAME_LENGTH} characters` }
  let name: string
  try {
    name = decodeURIComponent(value).trim()
  } catch {
    return { ok: false, reason: 'device name is not valid percent-encoded UTF-8' }
  }
  const refused = deviceNameFault(name)
  return refused === undefined ? { ok: true, name } : { ok: false, reason: refused }
}

/**
 * Why a decoded name cannot be shown as a device's name, or undefined when it can. Every source of
 * names (a client's header, a PTR answer any LAN host may give) goes through it.
 */
export function deviceNameFault(name: string): string | undefined {
  if (name.length === 0) return 'empty device name'
  if ([...name].length > MAX_DEVICE_NAME_LENGTH) return `device name longer than ${MAX_DEVICE_NAME_LENGTH} characters`
  // Control and bidi-override characters could forge what a dashboard row appears to say.
  if (/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(name)) return 'device name holds control characters'
  return undefined
}

/** The header value for a name: percent-encoded, cut to the longest name the relay accepts. */
export function encodeDeviceName(name: string): string {
  return encodeURIComponent([...name.trim()].slice(0, MAX_DEVICE_NAME_LENGTH).join(''))
}
