/**
 * What an idle peer costs the headless relay: 2,000 introduction sockets, joined in pairs to 1,000
 * documents, then all closed again; the relay's model must drop back to zero.
 */
import { afterEach, describe, expect, test } from 'vitest'
import type { WebSocket } from 'ws'
import { RawPeer } from '../helpers/relay.js'
import { fetchHealth, forceGc, killLeftoverCliProcesses, mib, readMemory, sleep, startCliRelay } from '../helpers/processes.js'

const PEERS = 2_000
const BATCH = 200

const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await killLeftoverCliProcesses()
})

/** Opens `count` introduction sockets in batches; peer i joins document floor(i / 2). */
async function openJoinedPeers(url: string, prefix: string, count: number): Promise<RawPeer[]> {
  const peers: RawPeer[] = []
  for (let start = 0; start < count; start += BATCH) {
    const batch: RawPeer[] = []
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const peer = new RawPeer(`${url}/introduction/${prefix}-${i}`)
      sockets.push(peer.socket)
      batch.push(peer)
    }
    await Promise.all(batch.map(peer => peer.opened))
    batch.forEach((peer, k) => peer.sendControl({ type: 'Join', documentIds: [`${prefix}-doc-${Math.floor((start + k) / 2)}`] }))
    peers.push(...batch)
  }
  // Every peer was introduced to its partner: the relay has done all its work for them.
  await Promise.all(peers.map(peer => peer.waitForMessages(1, 20_000)))
  return peers
}

async function closeAll(peers: RawPeer[]): Promise<void> {
  for (const peer of peers) peer.socket.close()
  await Promise.all(peers.map(peer => peer.closed))
}

async function healthUntil(port: number, check: (counts: Awaited<ReturnType<typeof fetchHealth>>['counts']) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { counts } = await fetchHealth(port)
    if (check(counts)) return counts
    if (Date.now() > deadline) throw new Error(`/health never reached the expected counts; last: ${JSON.stringify(counts)}`)
    await sleep(50)
  }
}

describe('memory per idle peer', () => {
  test(`with the headless relay as a child process: ${PEERS} idle joined peers cost little each, and closing them empties the model`, async () => {
    const relay = await startCliRelay(['--quiet', '--max-connections-per-address', String(PEERS * 2)], undefined, { gcOnSignal: true })
    const { pid, url, port } = relay
    /** RSS after a full collection, so it counts what the relay keeps, not garbage. */
    const settled = async () => {
      const { heapUsed, external } = await forceGc(relay)
      await sleep(100)
      return { rss: readMemory(pid).rss, heapUsed, external, live: heapUsed + external }
    }
    const atStart = await settled()

    // Warm up the same code paths, so the measurement is of the peers, not of first-use costs.
    const warm = await openJoinedPeers(url, 'warm', BATCH)
    await closeAll(warm)
    await healthUntil(port, counts => counts.sockets === 0)
    const before = await settled()

    const peers = await openJoinedPeers(url, 'idle', PEERS)
    const loaded = await healthUntil(port, counts => counts.peers === PEERS)
    expect(loaded).toEqual({ peers: PEERS, documents: PEERS / 2, pipesWaiting: 0, pipesLive: 0, sockets: PEERS })
    const withPeers = await settled()
    const rssPerPeer = (withPeers.rss - before.rss) / PEERS
    const livePerPeer = (withPeers.live - before.live) / PEERS

    await closeAll(peers)
    const emptied = await healthUntil(port, counts => counts.sockets === 0 && counts.peers === 0)
    expect(emptied).toEqual({ peers: 0, documents: 0, pipesWaiting: 0, pipesLive: 0, sockets: 0 })
    const after = await settled()

    const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
    console.log(
      `MEASURED: CLI relay RSS (each after a forced full GC) just after start ${mib(atStart.rss)}; before the idle peers ${mib(before.rss)}; ` +
        `with ${PEERS} idle peers joined in pairs to ${PEERS / 2} documents ${mib(withPeers.rss)} (+${mib(withPeers.rss - before.rss)}, ` +
        `${kib(rssPerPeer)} RSS per peer); after all closed ${mib(after.rss)}`,
    )
    console.log(
      `MEASURED: CLI relay live memory (V8 heap used + external, after GC): before ${mib(before.live)}, with ${PEERS} idle peers ` +
        `${mib(withPeers.live)} (${kib(livePerPeer)} per peer), after all closed ${mib(after.live)} ` +
        `(${kib((after.live - before.live) / PEERS)} per peer left behind)`,
    )
    // Sanity bounds, not a benchmark: a buffer kept per peer, or peers never freed, would break them.
    expect(rssPerPeer).toBeLessThan(64 * 1024)
    expect(after.live - before.live).toBeLessThan(PEERS * 1024)
  })
})
