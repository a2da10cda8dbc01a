/** Turning counters sampled at the start and end of a window into rates and per-unit costs. */
import { readFileSync } from 'node:fs'
import type { Metrics, Probe, ServerStats } from '../types.js'

export interface Mark {
  at: number
  server: ServerStats
  loadCpuUs: number
  /** CPU time all processes on the machine have used, when the system tells us. */
  machineBusyUs: number
  /** TCP segments the machine has sent, all sockets (loopback counts both ways), when the system tells us. */
  tcpOutSegs: number
  count: number
}

/** Jiffies are 10 ms on Linux as configured everywhere Node runs in practice (USER_HZ = 100). */
const JIFFY_US = 10_000

function machineBusyUs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields
    return (user + nice + system + irq + softirq + steal) * JIFFY_US
  } catch {
    return NaN
  }
}

function tcpOutSegs(): number {
  try {
    const [names, values] = readFileSync('/proc/net/snmp', 'latin1').split('\n').filter(line => line.startsWith('Tcp:'))
    return Number(values!.split(/\s+/)[names!.split(/\s+/).indexOf('OutSegs')])
  } catch {
    return NaN
  }
}

export async function mark(probe: Probe, count: () => number): Promise<Mark> {
  const server = await probe.stats()
  const cpu = process.cpuUsage()
  return { at: performance.now(), server, loadCpuUs: cpu.user + cpu.system, machineBusyUs: machineBusyUs(), tcpOutSegs: tcpOutSegs(), count: count() }
}

/**
 * Rate, server CPU per unit and both processes' CPU load over a window of steady load. The server
 * samples its CPU when a probe reaches it and the count is read when the answer gets back; under
 * load either can lag by milliseconds. So CPU per unit is the server's CPU rate (on its own clock)
 * over the unit rate (on the load generator's clock), which is immune to that skew.
 */
export function windowMetrics(start: Mark, end: Mark, unit: string): Metrics {
  const seconds = (end.at - start.at) / 1000
  const rate = (end.count - start.count) / seconds
  const serverCpuPerSecondUs = (end.server.cpuUs - start.server.cpuUs) / ((end.server.at - start.server.at) / 1000)
  const loadCpuUs = end.loadCpuUs - start.loadCpuUs
  return {
    [`${unit}PerSec`]: rate,
    [`serverCpuUsPer${capitalise(unit)}`]: rate > 0 ? serverCpuPerSecondUs / rate : NaN,
    serverCpuPct: serverCpuPerSecondUs / 1e4,
    loadCpuPct: (loadCpuUs / 1e6 / seconds) * 100,
    otherCpuPct: otherCpuPct(start, end),
    // How the work was batched: a relay that keeps up reads and writes often and sends small segments,
    // one that falls behind reads many messages at once and lets TCP merge its peers' sends.
    ...perHundred('serverReads', start.server.syscallsRead, end.server.syscallsRead, end.count - start.count),
    ...perHundred('serverWrites', start.server.syscallsWrite, end.server.syscallsWrite, end.count - start.count),
    ...perHundred('tcpSegments', start.tcpOutSegs, end.tcpOutSegs, end.count - start.count),
    // The server's event-loop delay over the window (it restarts its histogram at every stats).
    ...(end.server.loopDelay ? prefixed('loop', end.server.loopDelay) : {}),
  }
}

/** CPU used by processes other than the server and the load generator; high values make rates unreliable. */
export function otherCpuPct(start: Mark, end: Mark): number {
  const ours = end.loadCpuUs - start.loadCpuUs + end.server.cpuUs - start.server.cpuUs
  const othersUs = end.machineBusyUs - start.machineBusyUs - ours
  return Math.max(0, othersUs / 1e4 / ((end.at - start.at) / 1000))
}

const perHundred = (name: string, from: number | undefined, to: number | undefined, units: number) =>
  from === undefined || to === undefined || !Number.isFinite(to - from) || units <= 0 ? {} : { [`${name}Per100`]: ((to - from) / units) * 100 }

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)
const prefixed = (prefix: string, figures: Record<string, number>) => Object.fromEntries(Object.entries(figures).map(([key, value]) => [prefix + capitalise(key), value]))

export const percentile = (sorted: Float64Array | number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

export const MiB = 1024 * 1024
