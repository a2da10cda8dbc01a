/** Shapes shared by the orchestrator, the server hosts and the load generator. */

import type { FrameMasking } from '../shared/relay-model.js'

/** Which relay a server process runs. */
export type RelayKind = 'raw' | 'published' | 'switchboard' | 'desktop'

/**
 * The contenders: a relay, and how ws unmasks frames in its process ('js': started with
 * WS_NO_BUFFER_UTIL=1). The raw relay with and without bufferutil are the two baselines.
 */
export const CONTENDERS = {
  'raw-js': { relay: 'raw', masking: 'js' },
  raw: { relay: 'raw', masking: 'native' },
  published: { relay: 'published', masking: 'native' },
  switchboard: { relay: 'switchboard', masking: 'native' },
  'switchboard-js': { relay: 'switchboard', masking: 'js' },
  /** This relay hosted as the desktop app's main process hosts it; measured for its event-loop delay. */
  desktop: { relay: 'desktop', masking: 'native' },
} as const satisfies Record<string, { relay: RelayKind; masking: FrameMasking }>
export type ContenderName = keyof typeof CONTENDERS

/** What a server process reports about itself; CPU in microseconds, memory in bytes. */
export interface ServerStats {
  /** The server's own clock (ms) when it read its CPU time; the reply may reach the asker later. */
  at: number
  cpuUs: number
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
  /** read/readv/… and write/writev/… system calls so far, where the system counts them (Linux). */
  syscallsRead?: number
  syscallsWrite?: number
  /** Event-loop delay since the previous stats, from processes that watch it (the desktop host). */
  loopDelay?: { p50Ms: number; p99Ms: number; maxMs: number; busyP50Ms: number; busyP99Ms: number; busyMaxMs: number }
}

export type Scenario =
  /** `window`: messages in flight per pipe each way; by default as many as keep 8 MiB in flight in all (2 to 64). */
  | { kind: 'throughput'; pairs: number; size: number; warmupMs: number; durationMs: number; window?: number }
  | { kind: 'latency'; size: number; rate: number; warmupMs: number; durationMs: number }
  /** A steady paced load: `bytesPerSecond` in all, spread over the pipes, half each way. */
  | { kind: 'steady'; pairs: number; size: number; bytesPerSecond: number; warmupMs: number; durationMs: number }
  | { kind: 'intro-pairs'; peers: number }
  | { kind: 'intro-burst'; sockets: number; addresses: number; concurrency: number; quietMs: number }
  | { kind: 'intro-one-doc'; peers: number }
  | { kind: 'churn-peers'; concurrency: number; warmupMs: number; durationMs: number }
  | { kind: 'churn-pipes'; concurrency: number; size: number; warmupMs: number; durationMs: number }
  | { kind: 'memory'; peers: number; pipePairs: number }
  | { kind: 'stalled-reader'; size: number; durationMs: number; sampleMs: number; maxGrowthBytes: number }

/** Flat numeric results of one measurement; names are defined by each scenario. */
export type Metrics = Record<string, number>

/** How a scenario asks the server side for figures, through the orchestrator. */
export interface Probe {
  stats(): Promise<ServerStats>
  /** Runs a full GC in the server first, so heap figures compare live data only. */
  statsAfterGc(): Promise<ServerStats>
}

export type ScenarioOf<K extends Scenario['kind']> = Extract<Scenario, { kind: K }>
