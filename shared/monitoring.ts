/**
 * The dashboard's monitoring feed: every message on the monitoring WebSocket, which the relay serves
 * on its own port. The desktop app's preload bridge (see switchboard-bridge.ts) carries the same
 * messages, so the dashboard reads one protocol whatever its data source.
 *
 * The feed is built for a big relay: a subscriber gets the whole live model once, then one `update`
 * per publish (at most a few a second) holding only what changed — counts always, list entries only
 * when they appear, change or leave, and live pipes' counters as compact tuples.
 */
import type { DeviceView, DocumentView, PeerView, PipeView, RelayEvent, RelaySnapshot } from './relay-model.js'

/** Under a prefix of its own, so it can never be taken for the protocol's /introduction or /connection. */
export const DASHBOARD_PREFIX = '/_switchboard/'
export const MONITOR_PATH = `${DASHBOARD_PREFIX}monitor`
/** Where a browser on another machine posts the admin token (form field `token`). */
export const SIGN_IN_PATH = `${DASHBOARD_PREFIX}sign-in`

/** Bumped whenever a message changes shape incompatibly. */
export const MONITOR_PROTOCOL = 1

/** What changes every second whatever else happens; sent in every update. */
export type MonitorStats = Pick<RelaySnapshot, 'takenAt' | 'listening' | 'urls' | 'counts' | 'totals' | 'rates'>

/** The lists an update carries as changes rather than whole. */
type ListedParts = 'peers' | 'documents' | 'pipes' | 'events' | 'devices'

/**
 * Every other part of the model (version, limits, advertising, access, ...): small, and changing
 * rarely, so an update carries such a part whole, and only when it changed. Parts the engine adds
 * later travel the same way without a change here.
 */
export type ModelParts = Omit<RelaySnapshot, keyof MonitorStats | ListedParts>

export const LISTED_PARTS: readonly ListedParts[] = ['peers', 'documents', 'pipes', 'events', 'devices']
export const STATS_PARTS: readonly (keyof MonitorStats)[] = ['takenAt', 'listening', 'urls', 'counts', 'totals', 'rates']

/** Entries that appeared or changed (whole), and keys of those that left. */
export interface ListChanges<T, K> {
  upserted: T[]
  removed: K[]
}

/**
 * A pipe's counters: [id, bytes a→b, bytes b→a, messages a→b, messages b→a, bytes/s a→b,
 * bytes/s b→a, held bytes, throttled (bit 0: side a, bit 1: side b)]. A tuple, because a busy relay
 * sends one per live pipe per second.
 */
export type PipeCounters = [number, number, number, number, number, number, number, number, number]

/** The whole live model: the first message on a feed, and again whenever a subscriber fell behind. */
export interface MonitorSnapshotMessage {
  type: 'snapshot'
  protocol: number
  snapshot: RelaySnapshot
}

/** What changed since the previous message. Events are those with a higher `seq` than any sent before. */
export interface MonitorUpdateMessage {
  type: 'update'
  stats: MonitorStats
  /** Parts of the model that changed, whole. */
  parts?: Partial<ModelParts>
  peers?: ListChanges<PeerView, string>
  documents?: ListChanges<DocumentView, string>
  /** Pipes that opened or changed state (waiting → live), and pipes that closed. */
  pipes?: ListChanges<PipeView, number>
  /** Counters of pipes whose traffic changed and that are not in `pipes.upserted`. */
  pipeCounters?: PipeCounters[]
  events?: RelayEvent[]
  /** Devices that connected, changed (traffic included) or left, keyed by address. */
  devices?: ListChanges<DeviceView, string>
}

export interface ActionResultMessage {
  type: 'action-result'
  requestId: number
  ok: boolean
  /** Says what happened, for the person who asked. */
  message: string
}

export type MonitorServerMessage = MonitorSnapshotMessage | MonitorUpdateMessage | ActionResultMessage

/**
 * Admin actions. Disconnecting and closing end sockets with 4001 "closed by the relay admin";
 * clearing the history forgets every device and peer that left (file included).
 */
export type AdminAction = { type: 'disconnect-peer'; peerId: string } | { type: 'close-pipe'; pipeId: number } | { type: 'clear-history' }

/** Dashboard → relay. `requestId` comes back in the matching `action-result`. */
export type MonitorClientMessage = AdminAction & { requestId: number }

export function pipeCounters(pipe: PipeView): PipeCounters {
  return [
    pipe.id,
    pipe.bytes[0],
    pipe.bytes[1],
    pipe.messages[0],
    pipe.messages[1],
    pipe.bytesPerSecond[0],
    pipe.bytesPerSecond[1],
    pipe.heldBytes,
    (pipe.throttled[0] ? 1 : 0) | (pipe.throttled[1] ? 2 : 0),
  ]
}

/** `pipe` with the counters applied; a new object, so views that compare by identity see the change. */
export function withCounters(pipe: PipeView, [, bytesA, bytesB, messagesA, messagesB, rateA, rateB, held, throttled]: PipeCounters): PipeView {
  return {
    ...pipe,
    bytes: [bytesA, bytesB],
    messages: [messagesA, messagesB],
    bytesPerSecond: [rateA, rateB],
    heldBytes: held,
    throttled: [(throttled & 1) !== 0, (throttled & 2) !== 0],
  }
}
