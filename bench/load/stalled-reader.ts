/**
 * A reader that stops reading: B pauses its socket while A keeps sending as fast as the relay
 * accepts. A relay with backpressure stops reading from A, so A's own buffer fills and the relay's
 * memory stays flat; one without keeps buffering for B. The run ends early if the relay's growth
 * passes a cap, so a leaking contender cannot exhaust the machine.
 */
import type { Metrics, Probe, ScenarioOf } from '../types.js'
import { MiB } from './measure.js'
import { openPipe, sleep, uniqueTag } from './sockets.js'

/** A stays below this much unsent data of its own, as a well-behaved client would. */
const SENDER_BUFFER_LIMIT = 4 * MiB

export async function stalledReader(url: string, probe: Probe, spec: ScenarioOf<'stalled-reader'>): Promise<Metrics> {
  const tag = uniqueTag()
  const { a, b } = await openPipe(url, `sa${tag}`, `sb${tag}`, `s${tag}`)
  b.pause()
  const payload = Buffer.alloc(spec.size, 0x53)
  const base = await probe.statsAfterGc()
  let sentBytes = 0
  const pump = setInterval(() => {
    // Capped per tick: if the relay drains as fast as A writes, the loop must still yield.
    for (let i = 0; i < 64 && a.bufferedAmount < SENDER_BUFFER_LIMIT; i++) {
      a.send(payload)
      sentBytes += payload.length
    }
  }, 1)

  const started = performance.now()
  let peakRss = base.rss
  while (performance.now() - started < spec.durationMs) {
    await sleep(spec.sampleMs)
    peakRss = Math.max(peakRss, (await probe.stats()).rss)
    if (peakRss - base.rss > spec.maxGrowthBytes) break
  }
  const elapsedMs = performance.now() - started
  clearInterval(pump)
  // Still stalled: after a GC, what remains is what the relay holds for the reader.
  const held = await probe.statsAfterGc()
  const acceptedBytes = sentBytes - a.bufferedAmount
  a.terminate()
  b.terminate()
  return {
    rssGrowthMiB: (peakRss - base.rss) / MiB,
    heldMiB: (held.heapUsed + held.external - base.heapUsed - base.external) / MiB,
    acceptedMiB: acceptedBytes / MiB,
    seconds: elapsedMs / 1000,
    cappedEarly: elapsedMs < spec.durationMs - spec.sampleMs ? 1 : 0,
  }
}
