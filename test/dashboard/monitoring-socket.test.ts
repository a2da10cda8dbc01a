import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DashboardExtension } from '../../src-main/monitoring/dashboard-extension.js'
import { MonitorPublisher } from '../../src-main/monitoring/monitor-publisher.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { eventually, nextEvent, openPeer, startRelay, type RawPeer } from '../helpers/relay.js'
import { MonitorClient } from './monitor-client.js'

let relay: RelayServer
let url: string
let dashboard: DashboardExtension
const MAX_QUEUED_BYTES = 64 * 1024
const opened: { close(): unknown }[] = []

beforeEach(async () => {
  ;({ relay, url } = await startRelay())
  dashboard = new DashboardExtension(relay, { files: new Map(), monitor: new MonitorPublisher(relay, { intervalMs: 200, minIntervalMs: 20, maxQueuedBytes: MAX_QUEUED_BYTES }) })
  relay.use(dashboard)
})

afterEach(async () => {
  for (const socket of opened.splice(0)) socket.close()
  await relay.close()
})

async function peer(path: string): Promise<RawPeer> {
  const socket = await openPeer(url, path)
  opened.push(socket)
  return socket
}

async function monitor(): Promise<MonitorClient> {
  const client = new MonitorClient(url)
  opened.push(client)
  await client.opened
  return client
}

async function joined(id: string, documentId = 'doc'): Promise<RawPeer> {
  const socket = await peer(`/introduction/${id}`)
  socket.sendControl({ type: 'Join', documentIds: [documentId] })
  return socket
}

describe('monitoring socket', () => {
  it('starts with the whole model, then follows peers joining, pipes carrying traffic and peers leaving', async () => {
    await joined('alice')
    const client = await monitor()
    expect(client.messages[0]).toMatchObject({ type: 'snapshot', protocol: 1 })
    await client.waitFor(state => state.documents.get('doc')?.peers.join() === 'alice', 'alice on doc')

    const bob = await joined('bob')
    await client.waitFor(state => state.peers.has('bob') && state.documents.get('doc')?.peers.length === 2, 'bob to appear')

    const a = await peer('/connection/alice/bob/doc')
    await client.waitFor(state => [...state.pipes.values()].some(pipe => pipe.state === 'waiting'), 'a waiting pipe')
    const b = await peer('/connection/bob/alice/doc')
    a.send(Buffer.alloc(1_000))
    a.send(Buffer.alloc(1_000))
    b.send('hi')
    await b.waitForMessages(2)
    const state = await client.waitFor(state => [...state.pipes.values()].some(pipe => pipe.bytes[0] === 2_000 && pipe.bytes[1] === 2), 'the traffic')
    const pipe = [...state.pipes.values()][0]!
    expect(pipe).toMatchObject({ state: 'live', peers: ['alice', 'bob'], documentId: 'doc', messages: [2, 1] })
    await client.waitFor(state => state.stats!.totals.bytesRelayed === 2_002, 'the totals')

    // A Client that leaves closes its introduction socket and its pipes.
    await Promise.all([bob.close(), b.close()])
    await client.waitFor(state => !state.peers.has('bob') && state.pipes.size === 0, 'bob and his pipe to go')
    expect(client.state.events.map(event => event.kind)).toEqual(expect.arrayContaining(['peer-connect', 'join', 'pipe-open', 'pipe-close', 'peer-disconnect']))
  })

  it('disconnects a real peer and closes a real pipe on request, with 4001, and says so to the requester only', async () => {
    const alice = await joined('alice')
    await joined('bob')
    const a = await peer('/connection/alice/bob/doc')
    const b = await peer('/connection/bob/alice/doc')
    const client = await monitor()
    const bystander = await monitor()
    await client.waitFor(state => state.pipes.size === 1 && [...state.pipes.values()][0]!.state === 'live', 'the live pipe')
    const pipeId = [...client.state.pipes.keys()][0]!

    client.send({ type: 'close-pipe', requestId: 1, pipeId })
    expect(await client.result(1)).toEqual({ type: 'action-result', requestId: 1, ok: true, message: `Closed pipe ${pipeId}` })
    await Promise.all([a.closed, b.closed])
    expect([a.closeCode, a.closeReason]).toEqual([4001, 'closed by the relay admin'])

    client.send({ type: 'disconnect-peer', requestId: 2, peerId: 'alice' })
    expect(await client.result(2)).toMatchObject({ ok: true, message: 'Disconnected peer alice' })
    await alice.closed
    expect(alice.closeCode).toBe(4001)
    await client.waitFor(state => !state.peers.has('alice'), 'alice to go')

    client.send({ type: 'disconnect-peer', requestId: 3, peerId: 'nobody' })
    expect(await client.result(3)).toMatchObject({ ok: false, message: 'Peer nobody is not connected' })
    client.send({ type: 'close-pipe', requestId: 4, pipeId: 999 })
    expect(await client.result(4)).toMatchObject({ ok: false })
    expect(bystander.results).toEqual([])
  })

  it('closes only the asking dashboard when it sends something that is not a request', async () => {
    const rude = await monitor()
    const polite = await monitor()
    rude.socket.send('{"type":"disconnect-peer","peerId":42}')
    expect(await rude.closed).toEqual({ code: 1003, reason: 'not a monitoring request' })
    await joined('carol')
    await polite.waitFor(state => state.peers.has('carol'), 'carol, on the other dashboard')
  })

  it('keeps nothing running for monitoring once the last dashboard is gone', async () => {
    const listenersBefore = relay.listenerCount('event')
    const first = await monitor()
    const second = await monitor()
    expect(dashboard.monitor.subscriberCount).toBe(2)
    expect(relay.listenerCount('event')).toBe(listenersBefore + 1)
    await first.close()
    await second.close()
    // The relay hears of the close after the dashboard does.
    await eventually(() => dashboard.monitor.subscriberCount === 0, 5_000, 'the relay to see both dashboards go')
    expect(relay.listenerCount('event')).toBe(listenersBefore)
  })

  it('skips a dashboard that stops reading, so the relay queues little for it, and starts it over with a snapshot once it drains', async () => {
    // One peer in 1,000 documents with long ids: every change to it re-sends about 400 KB.
    const documents = Array.from({ length: 1_000 }, (_, i) => `${'d'.repeat(400)}-${i}`)
    const big = await peer('/introduction/big')
    for (let i = 0; i < documents.length; i += 100) big.sendControl({ type: 'Join', documentIds: documents.slice(i, i + 100) })
    const slow = await monitor()
    await slow.waitFor(state => state.peers.get('big')?.documents.length === documents.length, 'all documents')
    slow.socket.pause()
    const receivedBefore = slow.messages.length
    const reads = vi.spyOn(relay, 'snapshot')
    const queued = () => [...dashboard.monitor['subscribers'].keys()][0]!.queuedBytes
    let joined = true
    const publishChange = async () => {
      const type = joined ? 'Leave' : 'Join'
      joined = !joined
      const changed = nextEvent(relay, event => event.kind === type.toLowerCase())
      big.sendControl({ type, documentIds: [documents[0]] })
      await changed
      const before = reads.mock.calls.length
      await eventually(() => reads.mock.calls.length > before, 5_000, 'a publish')
    }

    // Until the kernel's socket buffers are full and the relay's own queue passes the limit.
    while (queued() <= MAX_QUEUED_BYTES) await publishChange()
    const queuedWhenBehind = queued()
    for (let i = 0; i < 10; i++) await publishChange()
    expect(queued()).toBeLessThanOrEqual(queuedWhenBehind)

    slow.socket.resume()
    big.sendControl({ type: 'Leave', documentIds: documents.slice(0, 10) })
    await slow.waitFor(state => state.peers.get('big')?.documents.length === documents.length - 10, 'the latest state', 10_000)
    const sinceResumed = slow.messages.slice(receivedBefore)
    expect(sinceResumed.filter(message => message.type === 'snapshot')).toHaveLength(1)
    expect(sinceResumed.length).toBeLessThan(reads.mock.calls.length)
  })

  it('closes dashboards with 1001 when the relay shuts down', async () => {
    const client = await monitor()
    await relay.close()
    expect((await client.closed).code).toBe(1001)
  })
})
