/**
 * The @localfirst/relay v4 wire protocol, as the published 4.2.2 Client speaks it.
 * Control messages are one MessagePack value per binary frame on the introduction socket.
 */

/** Client → relay. The published client sends one id per Join. */
export interface JoinMessage {
  type: 'Join'
  documentIds: string[]
}

export interface LeaveMessage {
  type: 'Leave'
  documentIds: string[]
}

/** The published client sends `Heartbeat`; the published server's types say `❤️`. Both are accepted. */
export interface HeartbeatMessage {
  type: 'Heartbeat' | '❤️'
}

export type ClientControlMessage = JoinMessage | LeaveMessage | HeartbeatMessage

/** Relay → client. The published client throws on any other type, so nothing else is ever sent. */
export interface IntroductionMessage {
  type: 'Introduction'
  peerId: string
  documentIds: string[]
}

// Defined with the service description, whose choice rule compares it: one value for both sides.
export { WIRE_PROTOCOL } from '@switchboard/lan-mdns/relay-service'

/** Longest peer or document id accepted, in UTF-16 code units; longer ids are malformed input. */
export const MAX_ID_LENGTH = 512

export type RelayRoute =
  | { kind: 'introduction'; peerId: string }
  | { kind: 'connection'; localPeerId: string; remotePeerId: string; documentId: string }

export type RouteResult = (
  | RelayRoute
  | { kind: 'unknown' }
  | { kind: 'malformed'; endpoint: RelayRoute['kind']; reason: string }
) & {
  /**
   * A segment before the endpoint word: where a Client that cannot set headers carries the access
   * token (its base URL `ws://host:8080/<token>` makes it ask for `/<token>/introduction/alice`).
   */
  pathToken?: string
}

/**
 * Parses a request path the way the published server's router does: the fixed words match
 * case-insensitively, ids keep their case and are percent-decoded, a query string is ignored,
 * one trailing slash is tolerated, and so are extra leading slashes (a base URL ending in `/`).
 */
export function parseRelayPath(rawPath: string): RouteResult {
  const queryAt = rawPath.indexOf('?')
  let path = queryAt === -1 ? rawPath : rawPath.slice(0, queryAt)
  let start = 0
  while (start < path.length && path.charCodeAt(start) === 47 /* / */) start++
  let end = path.length
  if (end > start && path.charCodeAt(end - 1) === 47) end--
  path = path.slice(start, end)
  let segments = path.split('/')
  let pathToken: string | undefined
  if (segments.length > 1 && !isEndpointWord(segments[0]!)) {
    // A token prefix; a base URL ending in '/' leaves an empty segment after it.
    let next = 1
    while (next < segments.length - 1 && segments[next] === '') next++
    if (isEndpointWord(segments[next]!)) {
      try {
        pathToken = decodeURIComponent(segments[0]!)
      } catch {
        pathToken = segments[0]!
      }
      segments = segments.slice(next)
    }
  }
  const route = parseSegments(segments)
  return pathToken === undefined ? route : { ...route, pathToken }
}

const isEndpointWord = (segment: string) => {
  const word = segment.toLowerCase()
  return word === 'introduction' || word === 'connection'
}

function parseSegments(segments: string[]): RouteResult {
  const word = segments[0]!.toLowerCase()
  const expected = word === 'introduction' ? 2 : word === 'connection' ? 4 : 0
  if (expected === 0 || segments.length !== expected) return { kind: 'unknown' }
  const endpoint = word as RelayRoute['kind']
  const ids: string[] = []
  for (let i = 1; i < segments.length; i++) {
    let id: string
    try {
      id = decodeURIComponent(segments[i]!)
    } catch {
      return { kind: 'malformed', endpoint, reason: 'bad percent-encoding in path' }
    }
    if (id.length === 0) return { kind: 'unknown' }
    if (id.length > MAX_ID_LENGTH) return { kind: 'malformed', endpoint, reason: `id longer than ${MAX_ID_LENGTH} characters` }
    ids.push(id)
  }
  if (word === 'introduction') return { kind: 'introduction', peerId: ids[0]! }
  return { kind: 'connection', localPeerId: ids[0]!, remotePeerId: ids[1]!, documentId: ids[2]! }
}

/** The paths the published Client builds from its base URL (it does not encode ids). */
export const introductionPath = (peerId: string) => `/introduction/${peerId}`
export const connectionPath = (localPeerId: string, remotePeerId: string, documentId: string) =>
  `/connection/${localPeerId}/${remotePeerId}/${documentId}`
