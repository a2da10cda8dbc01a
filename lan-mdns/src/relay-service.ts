/**
 * The `_lf-relay._tcp` service as every side sees it: the DNS-SD service a relay advertises, the
 * TXT record that describes it, the URLs it is reached at, and the one rule by which every client
 * on a LAN picks the same relay. Plain data and functions, no Node APIs: the dashboard in the
 * browser ranks relays with the same rule.
 */

/** The wire protocol of the published @localfirst/relay v4 Client, as the TXT record carries it. */
export const WIRE_PROTOCOL = 'localfirst-relay/4'

/** The DNS-SD service type; other implementations of the protocol may advertise it too. */
export const SERVICE_TYPE = '_lf-relay._tcp'
/** The name browsers ask for (PTR) to list the relays. */
export const SERVICE_NAME = `${SERVICE_TYPE}.local`

/**
 * The host name the relay every client picks answers for, besides its own: a web app, which cannot
 * browse mDNS, reaches the LAN's relay at `wss://lf-relay.local:<port>` on any OS that resolves `.local`.
 */
export const WELL_KNOWN_HOST_NAME = 'lf-relay.local'

/** What a relay says about itself in its TXT record. */
export interface RelayTxt {
  /** Wire protocol, `localfirst-relay/4`. */
  proto: string
  /** Version of the relay software. */
  version: string
  /**
   * Instance id: survives restarts and renames of the relay. Two relays up at once may still share
   * one (a cloned machine); clients tell them apart by host and port too (`relayKey`).
   */
  id: string
  /** Base path of the endpoints: `/introduction/...` and `/connection/...` hang below it. */
  path: string
  /** Whether connecting needs an access token. */
  tokenRequired: boolean
  /** Rank set by the relay's owner: clients pick the highest. */
  priority: number
  /** When the relay started (epoch ms): among equal priorities clients pick the longest-running. */
  startedAt: number
  /**
   * When the relay also serves `wss://` on its port: the first 16 hex digits (lowercase) of the
   * SHA-256 of its CA certificate, so a client can check the CA it downloads before trusting it.
   */
  tlsCa?: string
}

/**
 * TXT keys, each short because the record travels in every answer. Values are decimal numbers,
 * `0`/`1` flags or plain strings; unknown keys are ignored, so keys can be added later.
 */
const TXT_KEYS = {
  proto: 'proto',
  version: 'version',
  id: 'id',
  path: 'path',
  tokenRequired: 'token',
  priority: 'prio',
  startedAt: 'since',
  tlsCa: 'ca',
} as const satisfies Record<keyof RelayTxt, string>

/** `tls=1` says the relay serves wss:// on the same port; `ca` then names its CA. */
const TLS_KEY = 'tls'
/** Enough of the SHA-256 to pin (64 bits), short enough for a TXT record sent in every answer. */
export const CA_PIN_HEX_LENGTH = 16

export function encodeRelayTxt(txt: RelayTxt): Record<string, string> {
  return {
    [TXT_KEYS.proto]: txt.proto,
    [TXT_KEYS.version]: txt.version,
    [TXT_KEYS.id]: txt.id,
    [TXT_KEYS.path]: txt.path,
    [TXT_KEYS.tokenRequired]: txt.tokenRequired ? '1' : '0',
    [TXT_KEYS.priority]: String(txt.priority),
    [TXT_KEYS.startedAt]: String(txt.startedAt),
    ...(txt.tlsCa ? { [TLS_KEY]: '1', [TXT_KEYS.tlsCa]: txt.tlsCa } : {}),
  }
}

/** A relay that does not say when it started ranks after every relay that does. */
const UNKNOWN_START = Number.MAX_SAFE_INTEGER

/**
 * Reads a TXT record another host sent; undefined when it cannot describe a relay (no id or no
 * protocol). Missing optional keys get the defaults a minimal implementation would mean.
 */
export function parseRelayTxt(entries: Readonly<Record<string, string>>): RelayTxt | undefined {
  const id = entries[TXT_KEYS.id]
  const proto = entries[TXT_KEYS.proto]
  if (!id || id.length > 128 || !proto) return undefined
  const path = entries[TXT_KEYS.path] ?? '/'
  return {
    proto,
    version: entries[TXT_KEYS.version] ?? '',
    id,
    path: path.startsWith('/') ? path : `/${path}`,
    tokenRequired: entries[TXT_KEYS.tokenRequired] === '1',
    priority: integerOr(entries[TXT_KEYS.priority], 0),
    startedAt: integerOr(entries[TXT_KEYS.startedAt], UNKNOWN_START),
    ...tlsCaOf(entries),
  }
}

/** A CA pin only with `tls=1` and exactly 16 hex digits: anything else cannot be checked, so it is no TLS. */
function tlsCaOf(entries: Readonly<Record<string, string>>): { tlsCa?: string } {
  const pin = entries[TXT_KEYS.tlsCa]?.toLowerCase()
  if (entries[TLS_KEY] !== '1' || !pin || !new RegExp(`^[0-9a-f]{${CA_PIN_HEX_LENGTH}}$`).test(pin)) return {}
  return { tlsCa: pin }
}

function integerOr(text: string | undefined, fallback: number): number {
  if (text === undefined || !/^-?\d{1,16}$/.test(text)) return fallback
  return Number(text)
}

/** A relay found on the LAN (or a relay describing itself). */
export interface DiscoveredRelay extends RelayTxt {
  /** DNS-SD instance name, e.g. "Switchboard on studio". */
  name: string
  /** The `.local` host name its SRV record points at. */
  host: string
  port: number
  /** Addresses of `host`: IPv4 first. */
  addresses: string[]
  /** The URL to give the published Client: the first of `urls`. */
  url: string
  /** Every `ws://` URL the relay can be reached at, best first. */
  urls: string[]
}

/** `ws://` URL of a relay endpoint base: the published Client appends `/introduction/...`. */
export function relayUrl(address: string, port: number, path: string): string {
  const host = address.includes(':') ? `[${address}]` : address
  return `ws://${host}:${port}${path.replace(/\/+$/, '')}`
}

/** What a client brings that decides which relays it can use. */
export interface ChooserAbilities {
  /** The client knows the LAN's access token, so relays that require one are usable too. */
  hasToken?: boolean
}

/** Whether a client of the published v4 Client can use this relay as it is. */
export function isUsableRelay(relay: DiscoveredRelay, abilities: ChooserAbilities = {}): boolean {
  return relay.proto === WIRE_PROTOCOL && (!relay.tokenRequired || abilities.hasToken === true) && relay.urls.length > 0
}

/**
 * THE relay-choice rule. Every client ranks the relays it sees the same way and uses the first:
 *   1. usable ones only (same wire protocol, at least one address, and no token needed unless the
 *      client has one);
 *   2. highest `priority` first (the owner's explicit choice);
 *   3. then the earliest `startedAt`: a relay that starts later never takes clients away from one
 *      already in use, and a relay that restarts goes to the back of the line;
 *   4. then the smallest `id`, so that even identical start times give one answer;
 *   5. then the host name and the port, so that two relays sharing an id (a copied configuration,
 *      a cloned machine) still give one answer.
 * Everything it needs travels in the TXT and SRV records, so clients agree without talking to each other.
 */
export function compareRelays(a: RankedRelay, b: RankedRelay): number {
  if (a.priority !== b.priority) return b.priority - a.priority
  if (a.startedAt !== b.startedAt) return a.startedAt - b.startedAt
  if (a.id !== b.id) return a.id < b.id ? -1 : 1
  const [hostA, hostB] = [canonicalHost(a.host), canonicalHost(b.host)]
  if (hostA !== hostB) return hostA < hostB ? -1 : 1
  return a.port - b.port
}

/** What the rule looks at. */
export type RankedRelay = Pick<DiscoveredRelay, 'priority' | 'startedAt' | 'id' | 'host' | 'port'>

const canonicalHost = (host: string) => host.toLowerCase().replace(/\.$/, '')

/**
 * What tells one relay from another: its id, and where it is. Two relays up at the same time with
 * one id (a copied configuration, a cloned machine) differ in host or port, and stay two relays.
 */
export function relayKey(relay: Pick<DiscoveredRelay, 'id' | 'host' | 'port'>): string {
  return `${relay.id}|${canonicalHost(relay.host)}|${relay.port}`
}

/** The relays in choice order, usable ones first; the first is the one every client picks. */
export function rankRelays<T extends DiscoveredRelay>(relays: readonly T[], abilities: ChooserAbilities = {}): T[] {
  const usable = (relay: T) => Number(isUsableRelay(relay, abilities))
  return [...relays].sort((a, b) => usable(b) - usable(a) || compareRelays(a, b))
}

/** The relay every client on the LAN picks from this set, if any is usable. */
export function chooseRelay<T extends DiscoveredRelay>(relays: readonly T[], abilities: ChooserAbilities = {}): T | undefined {
  const [first] = rankRelays(relays, abilities)
  return first && isUsableRelay(first, abilities) ? first : undefined
}

export { DEVICE_NAME_HEADER, DEVICE_NAME_PATH, MAX_DEVICE_NAME_LENGTH, deviceNameFault, encodeDeviceName, parseDeviceName } from './device-name.js'
