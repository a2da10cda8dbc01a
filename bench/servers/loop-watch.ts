/**
 * How long a process's event loop keeps other work waiting, two ways: perf_hooks'
 * monitorEventLoopDelay (wall time, which on a shared machine includes waiting for a core), and the
 * CPU time the process used between two ticks of a 1 ms timer, which is what this process itself
 * made a tray click or a window message wait, whatever else the machine was doing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { ServerStats } from '../types.js'

const TICK_MS = 1

export class LoopWatch {
  private readonly delay = monitorEventLoopDelay({ resolution: TICK_MS })
  private busyUs: number[] = []

  constructor() {
    this.delay.enable()
    let last = process.cpuUsage()
    setInterval(() => {
      const now = process.cpuUsage()
      this.busyUs.push(now.user + now.system - last.user - last.system)
      last = now
    }, TICK_MS).unref()
  }

  /** Figures since the previous call. */
  take(): NonNullable<ServerStats['loopDelay']> {
    const busy = Float64Array.from(this.busyUs).sort()
    const at = (p: number) => (busy.length === 0 ? NaN : busy[Math.min(busy.length - 1, Math.floor((p / 100) * busy.length))]! / 1000)
    const figures = {
      p50Ms: this.delay.percentile(50) / 1e6,
      p99Ms: this.delay.percentile(99) / 1e6,
      maxMs: this.delay.max / 1e6,
      busyP50Ms: at(50),
      busyP99Ms: at(99),
      busyMaxMs: at(100),
    }
    this.delay.reset()
    this.busyUs = []
    return figures
  }
}
