import { describe, expect, test } from 'vitest'
import { RawPeer, eventually, openPeer, useRelay } from '../helpers/relay.js'

const relays = useRelay()

describe('controlMessagesPerSecond', () => {
  test('a peer that keeps re-joining is closed with 4429 and kept out; the peers it shares documents with are untouched', async () => {
    const { relay, url } = await relays.start({ controlMessagesPerSecond: 20, maxDocumentsPerPeer: 10 })
    const bystander = await openPeer(url, '/introduction/bystander')
    relays.track(bystander)
    bystander.sendControl({ type: 'Join', documentIds: ['doc'] })
    const flooder = await openPeer(url, '/introduction/flooder')
    relays.track(flooder)
    // The burst allowance is maxDocumentsPerPeer + rate = 30 messages; 200 re-joins exceed it.
    for (let i = 0; i < 200; i++) flooder.sendControl({ type: 'Join', documentIds: ['doc'] })
    await flooder.closed
    expect(flooder.closeCode).toBe(4429)
    expect(flooder.closeReason).toMatch(/^limit reached: more than 20 control messages per second/)
    // The bystander got at most one introduction per Join that was accepted, and is still open.
    expect(bystander.controlMessages().length).toBeLessThanOrEqual(30)
    expect(bystander.closeCode).toBeUndefined()

    const retry = new RawPeer(url + '/introduction/flooder')
    relays.track(retry)
    await retry.closed
    expect(retry.refusedStatus).toBe(429)
    expect(retry.refusedBody).toMatch(/^4430 retry later/)

    await eventually(() => relay.snapshot().totals.refusalsByKind.limitReached === 1, 2_000, 'the refusal to be counted')
  })

  test('a client joining its maximum number of documents at once is not limited', async () => {
    const { relay, url } = await relays.start({ controlMessagesPerSecond: 5, maxDocumentsPerPeer: 300 })
    const peer = await openPeer(url, '/introduction/busy')
    relays.track(peer)
    for (let i = 0; i < 300; i++) peer.sendControl({ type: 'Join', documentIds: [`doc-${i}`] })
    await eventually(() => relay.snapshot().counts.documents === 300, 5_000, 'all 300 documents joined')
    expect(peer.closeCode).toBeUndefined()
  })
})
