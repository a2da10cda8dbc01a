/**
 * A connection burst: thousands of introduction sockets from many loopback addresses at once
 * (opened by a worker thread, bench/load/burst-opener.ts), while this thread sends a 64 B ping
 * over an established pipe every millisecond and times each echo. The ping round trips during the
 * burst show how long the relay's event loop stalls while accepting and introducing.
 */
import { Worker } from 'node:worker_threads'
import type { Metrics, Probe, ScenarioOf } from '../types.js'
import type { BurstOrder, BurstResult } from './burst-sockets.js'
import { mark, percentile } from './measure.js'
import { closeAll, openPipe, sleep, uniqueTag } from './sockets.js'

const BURST_TIMEOUT_MS = 60_000

export async function introductionBurst(url: string, probe: Probe, spec: ScenarioOf<'intro-burst'>): Promise<Metrics> {
  const tag = uniqueTag()
  const { a, b } = await openPipe(url, `pa${tag}`, `pb${tag}`, `p${tag}`)
  b.on('message', data => b.send(data as Buffer))
  const sentAt: number[] = []
  /** µs, by ping number. */
  const roundTrips: number[] = []
  let answered = 0
  a.on('message', data => {
    const seq = (data as Buffer).readUInt32LE(0)
    roundTrips[seq] = (performance.now() - sentAt[seq]!) * 1000
    answered++
  })
  const payload = Buffer.alloc(64)
  const pingOnce = () => {
    payload.writeUInt32LE(sentAt.length, 0)
    sentAt.push(performance.now())
    a.send(payload)
  }
  // Quiet pings first, so the figure below is the burst's and not the pipe's start.
  const ticker = setInterval(pingOnce, 1)
  await sleep(spec.quietMs)

  const start = await mark(probe, () => 0)
  const order: BurstOrder = { url, tag, sockets: spec.sockets, addresses: spec.addresses, concurrency: spec.concurrency }
  const opener = new Worker(new URL('./burst-opener.mjs', import.meta.url), { workerData: order })
  const firstPing = sentAt.length
  const quiet = Float64Array.from(roundTrips.filter(Number.isFinite)).sort()
  const outcome = await new Promise<BurstResult>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the burst did not settle within ${BURST_TIMEOUT_MS / 1000} s`)), BURST_TIMEOUT_MS)
    opener.once('message', (message: BurstResult) => {
      clearTimeout(timer)
      resolve(message)
    })
    opener.once('error', reject)
  })
  const end = await mark(probe, () => 0)
  const lastPing = sentAt.length
  clearInterval(ticker)
  // Pings still on their way back belong to the burst.
  const deadline = performance.now() + 5000
  while (answered < lastPing && performance.now() < deadline) await sleep(5)
  opener.postMessage('close')
  await new Promise(resolve => opener.once('exit', resolve))
  await closeAll([a, b])
  if (outcome.wrong > 0 || outcome.failed > 0 || outcome.introduced !== spec.sockets) {
    throw new Error(`burst: ${outcome.introduced} of ${spec.sockets} introduced correctly, ${outcome.wrong} wrong, ${outcome.failed} failed`)
  }

  const during = Float64Array.from(roundTrips.slice(firstPing, lastPing).filter(Number.isFinite)).sort()
  return {
    stallP50Us: percentile(during, 50),
    stallP99Us: percentile(during, 99),
    stallMaxUs: during[during.length - 1] ?? NaN,
    quietP99Us: percentile(quiet, 99),
    openMs: outcome.openMs,
    introducedMs: outcome.introducedMs,
    serverCpuUsPerSocket: (end.server.cpuUs - start.server.cpuUs) / spec.sockets,
  }
}
