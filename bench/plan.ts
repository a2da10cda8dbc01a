/**
 * What the bench measures, in which order, and how each figure is shown. Durations are chosen so
 * that three rounds of everything fit in about ten minutes on a 2-core machine.
 */
import type { Scenario } from './types.js'

export type Unit = 'rate' | 'us' | 'ms' | 'bytes' | 'mib' | 'ratio' | 'count'

export interface MetricView {
  key: string
  label: string
  unit: Unit
  better: 'higher' | 'lower'
  /** A fixed ceiling for this project's relay, besides the comparison with the raw relay. */
  max?: number
  /**
   * Bounds on this project's relay (with bufferutil) over the raw relay: `native` over the raw
   * relay with bufferutil, `js` over the raw relay without; at least (higher is better) or at most.
   */
  vsRaw?: { native?: number; js?: number }
}

export interface Measurement {
  id: string
  title: string
  scenario: Scenario
  /** Runs against a newly started server, for figures that earlier load would disturb. */
  fresh: boolean
  /** Runs on this project's relay only, once plain and once with the monitoring reader. */
  monitoring?: boolean
  /** Whether frame unmasking matters here; if not, the contenders without bufferutil sit it out. */
  maskingMatters?: boolean
  /** Runs on the desktop host only (this relay as the app's main process hosts it), for its event-loop delay. */
  desktop?: boolean
  /** Runs on this project's relay only, once over ws:// and once over wss:// on the same port. */
  tls?: boolean
  show: MetricView[]
}

export interface PlanOptions {
  quick: boolean
}

const KiB = 1024
const sizeName = (size: number) => (size >= KiB ? `${size / KiB} KiB` : `${size} B`)

export function buildPlan({ quick }: PlanOptions): Measurement[] {
  const t = (ms: number) => (quick ? Math.round(ms / 4) : ms)
  const n = (count: number) => (quick ? Math.round(count / 5) : count)
  const plan: Measurement[] = []

  // The targets: at least the raw relay's rate without bufferutil, 0.95× with it.
  const throughputShow: MetricView[] = [
    { key: 'msgsPerSec', label: 'msgs/s', unit: 'rate', better: 'higher', vsRaw: { js: 1, native: 0.95 } },
    { key: 'serverCpuUsPerMsgs', label: 'server µs/msg', unit: 'us', better: 'lower', vsRaw: { js: 1, native: 1 / 0.95 } },
  ]
  for (const pairs of [1, 10, 100]) {
    for (const size of [64, KiB, 64 * KiB]) {
      plan.push({
        id: `throughput-${pairs}x${size}`,
        title: `pipe throughput ${pairs}×${sizeName(size)}`,
        scenario: { kind: 'throughput', pairs, size, warmupMs: t(300), durationMs: t(1250) },
        fresh: false,
        maskingMatters: true,
        show: throughputShow,
      })
    }
  }

  const WINDOW = 128
  for (const [pairs, size] of [[100, 64], [10, KiB], [10, 64 * KiB]] as const) {
    plan.push({
      id: `windowed-${pairs}x${size}`,
      title: `pipe throughput ${pairs}×${sizeName(size)}, ${WINDOW} in flight each way`,
      scenario: { kind: 'throughput', pairs, size, window: WINDOW, warmupMs: t(500), durationMs: t(1500) },
      fresh: false,
      maskingMatters: true,
      show: [
        ...throughputShow,
        { key: 'serverCpuPct', label: 'server CPU %', unit: 'count', better: 'lower' },
        { key: 'serverReadsPer100', label: 'server reads / 100 msgs', unit: 'count', better: 'lower' },
        { key: 'tcpSegmentsPer100', label: 'TCP segments / 100 msgs', unit: 'count', better: 'lower' },
      ],
    })
  }

  for (const [size, rate] of [[64, 1000], [64 * KiB, 200]] as const) {
    plan.push({
      id: `latency-${size}`,
      title: `round trip ${sizeName(size)} @ ${rate}/s`,
      scenario: { kind: 'latency', size, rate, warmupMs: t(300), durationMs: t(2000) },
      fresh: false,
      maskingMatters: true,
      show: [
        { key: 'p50Us', label: 'p50 µs', unit: 'us', better: 'lower' },
        { key: 'p99Us', label: 'p99 µs', unit: 'us', better: 'lower', vsRaw: { native: 1 } },
      ],
    })
  }

  const desktopShow: MetricView[] = [
    { key: 'mibPerSec', label: 'MiB/s relayed', unit: 'ratio', better: 'higher' },
    { key: 'loopP50Ms', label: 'event-loop delay p50 ms', unit: 'ms', better: 'lower' },
    // Above 50 ms the tray and window would visibly stall.
    { key: 'loopP99Ms', label: 'event-loop delay p99 ms', unit: 'ms', better: 'lower', max: 50 },
    { key: 'loopMaxMs', label: 'event-loop delay max ms', unit: 'ms', better: 'lower' },
    // The CPU the process spent between two 1 ms timer ticks: the delay it caused itself.
    { key: 'loopBusyP50Ms', label: 'own busy stretch p50 ms', unit: 'ms', better: 'lower' },
    { key: 'loopBusyP99Ms', label: 'own busy stretch p99 ms', unit: 'ms', better: 'lower', max: 50 },
    { key: 'loopBusyMaxMs', label: 'own busy stretch max ms', unit: 'ms', better: 'lower' },
    { key: 'serverCpuPct', label: 'main process CPU %', unit: 'count', better: 'lower' },
  ]
  plan.push(
    {
      id: 'desktop-saturating',
      title: 'desktop main process: 10×64 KiB, 128 in flight each way',
      scenario: { kind: 'throughput', pairs: 10, size: 64 * KiB, window: 128, warmupMs: t(500), durationMs: t(3000) },
      fresh: false,
      desktop: true,
      show: desktopShow,
    },
    {
      id: 'desktop-125MBps',
      title: 'desktop main process: steady 125 MB/s (10×64 KiB)',
      scenario: { kind: 'steady', pairs: 10, size: 64 * KiB, bytesPerSecond: 125e6, warmupMs: t(500), durationMs: t(3000) },
      fresh: false,
      desktop: true,
      show: desktopShow,
    },
  )

  const churnShow = (unit: string): MetricView[] => [
    { key: 'cyclesPerSec', label: `${unit}/s`, unit: 'rate', better: 'higher' },
    { key: 'serverCpuUsPerCycles', label: `server µs/${unit}`, unit: 'us', better: 'lower' },
  ]
  plan.push(
    {
      id: 'churn-peers',
      title: 'churn: connect + Join + introduced + close',
      scenario: { kind: 'churn-peers', concurrency: 16, warmupMs: t(300), durationMs: t(1500) },
      fresh: false,
      show: churnShow('peer'),
    },
    {
      id: 'churn-pipes',
      title: 'churn: pipe pair + one 64 B message + close',
      scenario: { kind: 'churn-pipes', concurrency: 16, size: 64, warmupMs: t(300), durationMs: t(1500) },
      fresh: false,
      show: churnShow('pipe'),
    },
  )

  for (const [pairs, size] of [[100, 64], [10, KiB], [10, 64 * KiB]] as const) {
    plan.push({
      id: `monitored-${pairs}x${size}`,
      title: `pipe throughput ${pairs}×${sizeName(size)}, monitored`,
      scenario: { kind: 'throughput', pairs, size, warmupMs: t(300), durationMs: t(1250) },
      fresh: false,
      monitoring: true,
      show: throughputShow,
    })
  }

  for (const [pairs, size] of [[10, KiB], [10, 64 * KiB]] as const) {
    plan.push({
      id: `tls-${pairs}x${size}`,
      title: `pipe throughput ${pairs}×${sizeName(size)}, wss://`,
      scenario: { kind: 'throughput', pairs, size, warmupMs: t(300), durationMs: t(1250) },
      fresh: false,
      tls: true,
      show: throughputShow,
    })
  }

  plan.push(
    {
      id: 'intro-pairs',
      title: `introductions: ${n(5000)} peers joining in pairs`,
      scenario: { kind: 'intro-pairs', peers: n(5000) },
      fresh: true,
      show: [
        { key: 'totalMs', label: 'all Joins, ms', unit: 'ms', better: 'lower' },
        { key: 'serverCpuUsPerJoin', label: 'server µs/Join', unit: 'us', better: 'lower', vsRaw: { native: 1 } },
        { key: 'joinCostGrowth', label: 'µs/Join 2nd half / 1st half', unit: 'ratio', better: 'lower', max: 1.3 },
      ],
    },
    {
      id: 'intro-burst',
      title: `burst: ${n(3000)} introduction sockets from 19 addresses, ping every ms`,
      scenario: { kind: 'intro-burst', sockets: n(3000), addresses: 19, concurrency: 500, quietMs: t(500) },
      fresh: true,
      show: [
        { key: 'stallP99Us', label: 'ping round trip p99 µs', unit: 'us', better: 'lower', vsRaw: { native: 1.2 } },
        { key: 'stallMaxUs', label: 'ping round trip max µs', unit: 'us', better: 'lower' },
        { key: 'introducedMs', label: 'all introduced, ms', unit: 'ms', better: 'lower' },
        { key: 'serverCpuUsPerSocket', label: 'server µs/socket', unit: 'us', better: 'lower' },
      ],
    },
    {
      id: 'intro-one-doc',
      title: `introductions: ${n(1000)} peers on one document`,
      scenario: { kind: 'intro-one-doc', peers: n(1000) },
      fresh: true,
      show: [
        { key: 'totalMs', label: 'total ms', unit: 'ms', better: 'lower' },
        { key: 'serverCpuUsPerIntroduction', label: 'server µs/introduction', unit: 'us', better: 'lower' },
      ],
    },
    {
      id: 'memory',
      title: `memory: ${n(2000)} idle peers, ${n(1000)} idle pipes, then all leave`,
      scenario: { kind: 'memory', peers: n(2000), pipePairs: n(1000) },
      fresh: true,
      show: [
        { key: 'heapPerPeer', label: 'heap+ext / idle peer', unit: 'bytes', better: 'lower', vsRaw: { native: 1 } },
        { key: 'rssPerPeer', label: 'RSS / idle peer', unit: 'bytes', better: 'lower', vsRaw: { native: 1 } },
        { key: 'heapPerPipedSocket', label: 'heap+ext / piped socket', unit: 'bytes', better: 'lower' },
        { key: 'rssPerPipedSocket', label: 'RSS / piped socket', unit: 'bytes', better: 'lower' },
        // A leaked socket costs kilobytes; tens of bytes per socket are bounded logs and map capacity.
        { key: 'heapRetainedPerClosedSocket', label: 'heap+ext kept / closed socket', unit: 'bytes', better: 'lower', max: 512 },
        { key: 'rssRetainedPerClosedSocket', label: 'RSS kept / closed socket', unit: 'bytes', better: 'lower' },
      ],
    },
    {
      id: 'stalled-reader',
      title: `stalled reader: 64 KiB sends for ${t(8000) / 1000} s`,
      scenario: { kind: 'stalled-reader', size: 64 * KiB, durationMs: t(8000), sampleMs: 250, maxGrowthBytes: 2 * 1024 * 1024 * 1024 },
      fresh: true,
      show: [
        { key: 'heldMiB', label: 'heap+ext held (after GC)', unit: 'mib', better: 'lower', max: 4 },
        { key: 'rssGrowthMiB', label: 'server RSS growth (peak)', unit: 'mib', better: 'lower', max: 16 },
        { key: 'acceptedMiB', label: 'accepted from sender', unit: 'mib', better: 'lower' },
      ],
    },
  )
  return plan
}
