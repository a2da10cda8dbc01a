/**
 * Round-trip latency at a fixed, moderate rate over one pipe: A sends on a schedule, B echoes,
 * A times each echo. The rate is well below saturation, so the figure is the relay's added delay,
 * not queueing behind a full load.
 */
import type { Metrics, Probe, ScenarioOf } from '../types.js'
import { mark, otherCpuPct, percentile } from './measure.js'
import { closeAll, openPipe, sleep, uniqueTag } from './sockets.js'

export async function latency(url: string, probe: Probe, spec: ScenarioOf<'latency'>): Promise<Metrics> {
  const { size, rate, warmupMs, durationMs } = spec
  const tag = uniqueTag()
  const { a, b } = await openPipe(url, `la${tag}`, `lb${tag}`, `l${tag}`)
  const planned = Math.ceil((rate * (warmupMs + durationMs)) / 1000)
  const sentAt = new Float64Array(planned)
  const roundTrips: number[] = []
  const payload = Buffer.alloc(Math.max(size, 4), 0x4c)
  let sent = 0
  let received = 0

  const begin = performance.now()
  b.on('message', data => b.send(data as Buffer))
  a.on('message', data => {
    const now = performance.now()
    const seq = (data as Buffer).readUInt32LE(0)
    received++
    const at = sentAt[seq]
    if (at !== undefined && at - begin >= warmupMs) roundTrips.push((now - at) * 1000)
  })

  let start: Awaited<ReturnType<typeof mark>> | undefined
  await new Promise<void>(resolve => {
    // A 1 ms tick sends whatever the schedule says is due, so timer jitter does not lower the rate.
    const tick = setInterval(() => {
      const due = Math.min(planned, Math.floor(((performance.now() - begin) * rate) / 1000))
      while (sent < due) {
        payload.writeUInt32LE(sent, 0)
        sentAt[sent] = performance.now()
        a.send(payload)
        sent++
      }
      if (sent >= planned) {
        clearInterval(tick)
        resolve()
      }
    }, 1)
    setTimeout(async () => (start = await mark(probe, () => received)), warmupMs)
  })
  const deadline = performance.now() + 2000
  while (received < sent && performance.now() < deadline) await sleep(5)
  const end = await mark(probe, () => received)
  await closeAll([a, b])

  const sorted = Float64Array.from(roundTrips).sort()
  const serverCpuUs = start ? end.server.cpuUs - start.server.cpuUs : NaN
  return {
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    maxUs: sorted[sorted.length - 1] ?? NaN,
    achievedRate: (roundTrips.length * 1000) / durationMs,
    lost: sent - received,
    serverCpuUsPerRoundTrip: start ? serverCpuUs / (end.count - start.count) : NaN,
    otherCpuPct: start ? otherCpuPct(start, end) : NaN,
  }
}
