/**
 * Finding the relay from a web page, which cannot browse mDNS: ask the addresses a page can know
 * (the URL the app was given, then the name the chosen relay answers, lf-relay.local) for the relay's
 * discovery document, and hand the published Client the URL that answered. Imports nothing, so a
 * page can load the built file as it is. See README.md, "In a browser".
 */
import type { DiscoveredRelay } from '@switchboard/lan-mdns/relay-service'

/** The name the relay that every client picks answers on the LAN (mDNS). */
export const WELL_KNOWN_HOST = 'lf-relay.local'
/** The relay's default port. */
export const DEFAULT_PORT = 8080
const DISCOVERY_PATH = '/.well-known/lf-relay'
/** A refused Local Network Access permission fails a request just as an unknown name does. */
const LNA_REFUSED = "the user did not allow this site to reach the local network (Chromium's Local Network Access)"
const WIRE_PROTOCOL = 'localfirst-relay/4'

export interface FindRelayOptions {
  /** The relay URL the app was given (`wss://`, `ws://`, `https://` or `http://`); tried first. */
  url?: string
  /** Milliseconds for the whole search (default 5000). */
  timeout?: number
  /** Port of the `lf-relay.local` candidates (default 8080). */
  port?: number
  /** The LAN's access token, for a relay that requires one: added to its URL as the published Client expects (`wss://host:port/<token>`). */
  token?: string
}

/**
 * Why a candidate failed. `certificate-or-unreachable`: an https page cannot tell an untrusted
 * certificate from a name that does not resolve (browsers report both as the same network error),
 * and may not ask over plain http to find out; an http page can, and gets `certificate` or `unreachable`.
 */
export type CandidateFailureReason = 'mixed-content' | 'certificate' | 'no-tls' | 'unreachable' | 'certificate-or-unreachable' | 'timeout' | 'not-a-relay' | 'token-required' | 'invalid-url'

export interface CandidateFailure {
  /** The candidate, as a WebSocket URL (`wss://lf-relay.local:8080`). */
  url: string
  reason: CandidateFailureReason
  /** One sentence for a person: what went wrong and what to do. */
  message: string
}

/** No candidate led to a relay; `failures` says why for each, in the order they were tried. */
export class RelayNotFoundError extends Error {
  override name = 'RelayNotFoundError'
  constructor(readonly failures: CandidateFailure[]) {
    super(`no relay found:\n${failures.map(failure => `  ${failure.url}: ${failure.message}`).join('\n')}`)
  }
}

type Probe = { ok: true; url: string } | { ok: false; failure: CandidateFailure }

/**
 * Resolves with the `ws://` or `wss://` URL to give the published `Client`: the first candidate, in
 * order, whose `/.well-known/lf-relay` answers as a `localfirst-relay/4` relay. Candidates: `url`,
 * then `wss://lf-relay.local:<port>`, then, on a page served over http only, `ws://lf-relay.local:<port>`.
 * They are asked at once; one that fails does not delay the next. Rejects with a RelayNotFoundError.
 */
export async function findRelay(options: FindRelayOptions = {}): Promise<string> {
  const pageIsHttps = pageProtocol() === 'https:'
  const port = options.port ?? DEFAULT_PORT
  const candidates = [`wss://${WELL_KNOWN_HOST}:${port}`, ...(pageIsHttps ? [] : [`ws://${WELL_KNOWN_HOST}:${port}`])]
  if (options.url !== undefined) candidates.unshift(options.url)
  const timeout = options.timeout ?? 5_000
  const search = new AbortController()
  const timer = setTimeout(() => search.abort(), timeout)
  const probes = unique(candidates).map(candidate => probe(candidate, { pageIsHttps, signal: search.signal, timeout, token: options.token }))
  try {
    const failures: CandidateFailure[] = []
    for (const pending of probes) {
      const result = await pending
      if (result.ok) return result.url
      failures.push(result.failure)
    }
    throw new RelayNotFoundError(failures)
  } finally {
    clearTimeout(timer)
    search.abort()
  }
}

interface ProbeContext {
  pageIsHttps: boolean
  signal: AbortSignal
  timeout: number
  token: string | undefined
}

async function probe(candidate: string, { pageIsHttps, signal, timeout, token }: ProbeContext): Promise<Probe> {
  const fail = (reason: CandidateFailureReason, message: string): Probe => ({ ok: false, failure: { url: candidate, reason, message } })
  let origin: URL
  try {
    origin = new URL(candidate)
  } catch {
    return fail('invalid-url', 'not a URL')
  }
  const secure = origin.protocol === 'wss:' || origin.protocol === 'https:'
  if (!secure && origin.protocol !== 'ws:' && origin.protocol !== 'http:') return fail('invalid-url', `${origin.protocol} is not ws:, wss:, http: or https:`)
  const socketUrl = `${secure ? 'wss' : 'ws'}://${origin.host}`
  const webUrl = `${secure ? 'https' : 'http'}://${origin.host}`
  if (pageIsHttps && !secure && !isLoopback(origin.hostname)) {
    return fail('mixed-content', `refused as mixed content: a page served over https may not use ${socketUrl} (Firefox and Safari always refuse it, Chromium only allows it as a deprecated exception); use wss://${origin.host}`)
  }
  const answer = await readDiscovery(webUrl, signal)
  if (answer.ok) {
    // A path in the URL the app was given (an access token) is the app's to keep.
    const givenPath = origin.pathname.replace(/\/+$/, '')
    if (givenPath || !answer.relay.tokenRequired) return { ok: true, url: socketUrl + (givenPath || relayPath(answer.relay)) }
    if (token === undefined) return fail('token-required', 'the relay requires the LAN\'s access token: pass it as `token`')
    return { ok: true, url: `${socketUrl}${relayPath(answer.relay)}/${token}` }
  }
  if (answer.kind === 'not-a-relay') return fail('not-a-relay', answer.message)
  const timedOut = () => fail('timeout', `no answer within ${timeout} ms (in Chromium also: its Local Network Access prompt was not answered)`)
  const unreachable = () => fail('unreachable', `${origin.hostname} does not resolve here, nothing answers on port ${portOf(origin)}, or ${LNA_REFUSED}`)
  if (answer.kind === 'aborted') return timedOut()
  if (!secure) return unreachable()
  const trustStep = `to trust it, install the relay's certificate authority from http://${origin.host}/_switchboard/ca.crt (the relay's Connect apps card shows how) or open https://${origin.host}/ once and accept its certificate`
  if (pageIsHttps) {
    return fail('certificate-or-unreachable', `could not connect over https, and the browser does not tell a page why: either this device does not trust the relay's certificate (${trustStep}), or ${origin.hostname} does not resolve here, or ${LNA_REFUSED}`)
  }
  // A page served over http may ask the same port over plain http, which tells the two apart.
  const plain = await readDiscovery(`http://${origin.host}`, signal)
  if (plain.ok) {
    // What answers on the LAN is not trusted to be well-formed: a pin that is not 16 hex digits is none.
    const pin = typeof plain.relay.tlsCa === 'string' && /^[0-9a-f]{16}$/i.test(plain.relay.tlsCa) ? plain.relay.tlsCa : undefined
    if (pin === undefined) return fail('no-tls', 'the relay answers over http but serves no TLS (it runs with --no-tls)')
    return fail('certificate', `the relay answers over http, but this browser does not trust its certificate (its CA's SHA-256 fingerprint begins ${fingerprintStart(pin)}); ${trustStep}`)
  }
  return plain.kind === 'aborted' ? timedOut() : unreachable()
}

type Answer = { ok: true; relay: DiscoveredRelay } | { ok: false; kind: 'not-a-relay' | 'network' | 'aborted'; message: string }

async function readDiscovery(base: string, signal: AbortSignal): Promise<Answer> {
  let response: Response
  try {
    response = await fetch(base + DISCOVERY_PATH, { signal, credentials: 'omit' })
  } catch (error) {
    return { ok: false, kind: signal.aborted ? 'aborted' : 'network', message: String(error) }
  }
  if (!response.ok) return { ok: false, kind: 'not-a-relay', message: `${DISCOVERY_PATH} answered HTTP ${response.status}` }
  let document: unknown
  try {
    document = await response.json()
  } catch (error) {
    if (signal.aborted) return { ok: false, kind: 'aborted', message: String(error) }
    return { ok: false, kind: 'not-a-relay', message: `${DISCOVERY_PATH} is not JSON` }
  }
  const relay = (document as { relay?: Partial<DiscoveredRelay> } | null)?.relay
  if (relay?.proto !== WIRE_PROTOCOL) return { ok: false, kind: 'not-a-relay', message: `not a ${WIRE_PROTOCOL} relay (it says ${JSON.stringify(relay?.proto ?? null)})` }
  return { ok: true, relay: relay as DiscoveredRelay }
}

/** The published Client appends `/introduction/...` to the URL: no trailing slash. */
function relayPath(relay: DiscoveredRelay): string {
  return (typeof relay.path === 'string' ? relay.path : '/').replace(/\/+$/, '')
}

/** `7f542c742c8e2722` as certificate viewers show it: `7F:54:2C:...`. */
function fingerprintStart(pin: string): string {
  return pin.toUpperCase().match(/../g)!.join(':')
}

/** Browsers let an https page reach these over plain ws:// and http://. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80')
}

function pageProtocol(): string | undefined {
  return (globalThis as { location?: { protocol?: string } }).location?.protocol
}

function unique(urls: string[]): string[] {
  const seen = new Set<string>()
  return urls.filter(url => {
    const key = url.replace(/^https:/, 'wss:').replace(/^http:/, 'ws:').replace(/\/+$/, '')
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
