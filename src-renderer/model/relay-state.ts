import type { ModelParts, MonitorStats } from '../../shared/monitoring.js'
import type { DeviceView, DocumentView, PeerView, PipeView, RelayEvent } from '../../shared/relay-model.js'
import type { FeedStatus } from '../data/relay-data-source.js'

export interface ThroughputSample {
  at: number
  bytesPerSecond: number
  messagesPerSecond: number
}

/** What the dashboard knows about the relay. Collections are replaced, never mutated, when they change. */
export interface RelayState {
  feed: FeedStatus
  /** The relay's clock minus ours, so ages and uptime read right from another machine. */
  clockOffsetMs: number
  /** Version, start time, limits, advertising and the model's other small parts. */
  model: ModelParts | undefined
  stats: MonitorStats | undefined
  peers: ReadonlyMap<string, PeerView>
  documents: ReadonlyMap<string, DocumentView>
  pipes: ReadonlyMap<number, PipeView>
  /** Devices connected now, by address. */
  devices: ReadonlyMap<string, DeviceView>
  /** Oldest first, at most MAX_EVENTS. */
  events: readonly RelayEvent[]
  /** Events that happened while the dashboard watched but never reached it (the relay keeps only its latest). */
  missedEvents: number
  /** One sample a second, oldest first, at most THROUGHPUT_SAMPLES. */
  throughput: readonly ThroughputSample[]
}

export const MAX_EVENTS = 1_000
export const THROUGHPUT_SAMPLES = 120

export const INITIAL_STATE: RelayState = {
  feed: 'connecting',
  clockOffsetMs: 0,
  model: undefined,
  stats: undefined,
  peers: new Map(),
  documents: new Map(),
  pipes: new Map(),
  devices: new Map(),
  events: [],
  missedEvents: 0,
  throughput: [],
}
