/**
 * A steady load at a fixed byte rate (a full gigabit link is 125 MB/s): a 1 ms tick sends whatever
 * the schedule says is due, round-robin over the pipes and alternating direction, so the relay is
 * busy at that rate but never asked for more.
 */
import type { Metrics, Probe, ScenarioOf } from '../types.js'
import { MiB, mark, windowMetrics } from './measure.js'
import { closeAll, inBatches, openPipe, sleep, uniqueTag } from './sockets.js'
import { range } from './throughput.js'

export async function steady(url: string, probe: Probe, spec: ScenarioOf<'steady'>): Promise<Metrics> {
  const { pairs, size, bytesPerSecond, warmupMs, durationMs } = spec
  const tag = uniqueTag()
  const pipes = await inBatches(range(pairs), 20, i => openPipe(url, `sa${tag}-${i}`, `sb${tag}-${i}`, `s${tag}-${i}`))
  const sockets = pipes.flatMap(({ a, b }) => [a, b])
  const payload = Buffer.alloc(size, 0x53)
  let delivered = 0
  for (const socket of sockets) socket.on('message', () => delivered++)
  const perMs = bytesPerSecond / size / 1000
  const begin = performance.now()
  let sent = 0
  const tick = setInterval(() => {
    const due = Math.floor((performance.now() - begin) * perMs)
    for (; sent < due; sent++) sockets[sent % sockets.length]!.send(payload)
  }, 1)
  await sleep(warmupMs)
  const start = await mark(probe, () => delivered)
  await sleep(durationMs)
  const end = await mark(probe, () => delivered)
  clearInterval(tick)
  await closeAll(sockets)
  const metrics = windowMetrics(start, end, 'msgs')
  return { ...metrics, mibPerSec: ((metrics.msgsPerSec ?? 0) * size) / MiB, targetMibPerSec: bytesPerSecond / MiB }
}
