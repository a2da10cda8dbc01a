import { afterEach, describe, expect, test } from 'vitest'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'

let relay: RelayServer | undefined
const peers: RawPeer[] = []
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.socket.terminate()
  await relay?.close()
  relay = undefined
})

describe('controlMessagesPerSecond', () => {
  test('a peer that keeps re-joining is closed with 4429 and kept out; the peers it shares documents with are untouched', async () => {
    const started = await startRelay({ controlMessagesPerSecond: 20, maxDocumentsPerPeer: 10 })
    relay = started.relay
    const bystander = await openPeer(started.url, '/introduction/bystander')
    peers.push(bystander)
    bystander.sendControl({ type: 'Join', documentIds: ['doc'] })
    const flooder = await openPeer(started.url, '/introduction/flooder')
    peers.push(flooder)
    // The burst allowance is maxDocumentsPerPeer + rate = 30 messages; 200 re-joins exceed it.
    for (let i = 0; i < 200; i++) flooder.sendControl({ type: 'Join', documentIds: ['doc'] })
    await flooder.closed
    expect(flooder.closeCode).toBe(4429)
    expect(flooder.closeReason).toMatch(/^limit reached: more than 20 control messages per second/)
    // The bystander got at most one introduction per Join that was accepted, and is still open.
    expect(bystander.controlMessages().length).toBeLessThanOrEqual(30)
    expect(bystander.closeCode).toBeUndefined()

    const retry = new RawPeer(started.url + '/introduction/flooder')
    peers.push(retry)
    await retry.closed
    expect(retry.refusedStatus).toBe(429)
    expect(retry.refusedBody).toMatch(/^4430 retry later/)

    await eventually(() => relay!.snapshot().totals.refusalsByKind.limitReached === 1, 2_000, 'the refusal to be counted')
  })

  test('a client joining its maximum number of documents at once is not limited', async () => {
    const started = await startRelay({ controlMessagesPerSecond: 5, maxDocumentsPerPeer: 300 })
    relay = started.relay
    const peer = await openPeer(started.url, '/introduction/busy')
    peers.push(peer)
    for (let i = 0; i < 300; i++) peer.sendControl({ type: 'Join', documentIds: [`doc-${i}`] })
    await eventually(() => relay!.snapshot().counts.documents === 300, 5_000, 'all 300 documents joined')
    expect(peer.closeCode).toBeUndefined()
  })
})
