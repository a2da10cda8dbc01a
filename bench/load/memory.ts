/**
 * Memory of idle state: introduced peers, then live pipes, then what is left once everyone has
 * gone. Figures come from the server process after a full GC; "heap" is V8 heap plus external
 * memory (socket buffers live there), RSS includes what the allocator keeps.
 */
import type WebSocket from 'ws'
import type { Metrics, Probe, ScenarioOf, ServerStats } from '../types.js'
import { range } from './throughput.js'
import { closeAll, connect, inBatches, introductionUrl, joinMessage, nextMessage, openPipe, sleep, uniqueTag } from './sockets.js'

const CONCURRENCY = 32
/** Lets the server finish closing before it is measured. */
const SETTLE_MS = 300

export async function memory(url: string, probe: Probe, spec: ScenarioOf<'memory'>): Promise<Metrics> {
  // One small round first: lazily created structures and compiled code are not per-peer costs.
  await closeAll(await populate(url, Math.min(200, spec.peers), Math.min(50, spec.pipePairs)))
  await sleep(SETTLE_MS)
  const base = await probe.statsAfterGc()

  const peerSockets = await introducePairs(url, spec.peers)
  await sleep(SETTLE_MS)
  const withPeers = await probe.statsAfterGc()

  const pipes = await inBatches(range(spec.pipePairs), CONCURRENCY, i => {
    const tag = uniqueTag()
    return openPipe(url, `ma${tag}`, `mb${tag}`, `m${tag}-${i}`)
  })
  await sleep(SETTLE_MS)
  const withPipes = await probe.statsAfterGc()

  const pipeSockets = pipes.flatMap(({ a, b }) => [a, b])
  await closeAll([...peerSockets, ...pipeSockets])
  await sleep(SETTLE_MS)
  const after = await probe.statsAfterGc()

  const closedSockets = peerSockets.length + pipeSockets.length
  return {
    heapPerPeer: (heap(withPeers) - heap(base)) / peerSockets.length,
    rssPerPeer: (withPeers.rss - base.rss) / peerSockets.length,
    heapPerPipedSocket: (heap(withPipes) - heap(withPeers)) / pipeSockets.length,
    rssPerPipedSocket: (withPipes.rss - withPeers.rss) / pipeSockets.length,
    heapRetainedPerClosedSocket: (heap(after) - heap(base)) / closedSockets,
    rssRetainedPerClosedSocket: (after.rss - base.rss) / closedSockets,
  }
}

const heap = (stats: ServerStats) => stats.heapUsed + stats.external

async function populate(url: string, peers: number, pipePairs: number): Promise<WebSocket[]> {
  const sockets = await introducePairs(url, peers)
  const pipes = await inBatches(range(pipePairs), CONCURRENCY, i => {
    const tag = uniqueTag()
    return openPipe(url, `wa${tag}`, `wb${tag}`, `w${tag}-${i}`)
  })
  return [...sockets, ...pipes.flatMap(({ a, b }) => [a, b])]
}

async function introducePairs(url: string, peers: number): Promise<WebSocket[]> {
  const pairs = await inBatches(range(Math.floor(peers / 2)), CONCURRENCY, async () => {
    const tag = uniqueTag()
    const pair = await Promise.all([connect(introductionUrl(url, `mx${tag}`)), connect(introductionUrl(url, `my${tag}`))])
    const introduced = Promise.all(pair.map(socket => nextMessage(socket)))
    for (const socket of pair) socket.send(joinMessage(`md${tag}`))
    await introduced
    return pair
  })
  return pairs.flat()
}
