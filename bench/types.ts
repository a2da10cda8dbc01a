/** Shapes shared by the orchestrator, the server hosts and the load generator. */

export type ContenderName = 'raw' | 'published' | 'switchboard'

/** What a server process reports about itself; CPU in microseconds, memory in bytes. */
export interface ServerStats {
  /** The server's own clock (ms) when it read its CPU time; the reply may reach the asker later. */
  at: number
  cpuUs: number
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

export type Scenario =
  | { kind: 'throughput'; pairs: number; size: number; warmupMs: number; durationMs: number }
  | { kind: 'latency'; size: number; rate: number; warmupMs: number; durationMs: number }
  | { kind: 'intro-pairs'; peers: number }
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
