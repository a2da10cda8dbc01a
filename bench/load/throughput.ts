/**
 * Pipe throughput, both directions. Each direction keeps a fixed number of messages in flight
 * (a credit window). The default window keeps the relay saturated without anything piling up in
 * its buffers, so relays with and without backpressure are compared on forwarding cost alone; a
 * large fixed window (the windowed rows) is what an app streaming a document sees: many frames
 * per read, and backpressure at work.
 */
import type { Metrics, Probe, ScenarioOf } from '../types.js'
import { MiB, mark, windowMetrics } from './measure.js'
import { closeAll, inBatches, openPipe, sleep, uniqueTag } from './sockets.js'

/** Total bytes in flight across all pipes; bounds the load generator's and relay's buffers. */
const IN_FLIGHT_BYTES = 8 * MiB
const MAX_WINDOW = 64

export async function throughput(url: string, probe: Probe, spec: ScenarioOf<'throughput'>): Promise<Metrics> {
  const { pairs, size, warmupMs, durationMs } = spec
  const tag = uniqueTag()
  const pipes = await inBatches(range(pairs), 20, i => openPipe(url, `a${tag}-${i}`, `b${tag}-${i}`, `t${tag}-${i}`))
  const payload = Buffer.alloc(size, 0x42)
  const window = spec.window ?? Math.max(2, Math.min(MAX_WINDOW, Math.floor(IN_FLIGHT_BYTES / (2 * pairs * size))))
  let delivered = 0
  let running = true
  for (const { a, b } of pipes) {
    a.on('message', () => {
      delivered++
      if (running) b.send(payload)
    })
    b.on('message', () => {
      delivered++
      if (running) a.send(payload)
    })
  }
  for (const { a, b } of pipes) {
    for (let i = 0; i < window; i++) {
      a.send(payload)
      b.send(payload)
    }
  }
  await sleep(warmupMs)
  const start = await mark(probe, () => delivered)
  await sleep(durationMs)
  const end = await mark(probe, () => delivered)
  running = false
  await closeAll(pipes.flatMap(({ a, b }) => [a, b]))
  const metrics = windowMetrics(start, end, 'msgs')
  return { ...metrics, mibPerSec: ((metrics.msgsPerSec ?? 0) * size) / MiB, window }
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i)
