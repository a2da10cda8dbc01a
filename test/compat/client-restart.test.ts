/**
 * The published Client reconnects by itself when the relay goes away and comes back on the same
 * port: it must see server-disconnect and server-connect, be introduced again, and pipe again.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CompatRig, firstDifference, pipesBetween, trafficOf } from '../helpers/clients.js'
import { eventually } from '../helpers/relay.js'

const rig = new CompatRig()
afterEach(() => rig.cleanup())

const RETRY = { minRetryDelay: 20, backoffFactor: 1.5, maxRetryDelay: 200 }
const DOCS = ['doc1', 'doc2']

describe('published Client: relay restart', () => {
  it('Clients reconnect on their own to a relay restarted on the same port, are re-introduced and pipe again', async () => {
    const { relay, url, port } = await rig.startRelay()
    const alice = rig.client(url, 'alice', DOCS, {}, RETRY)
    const bob = rig.client(url, 'bob', DOCS, {}, RETRY)
    const carol = rig.client(url, 'carol', ['doc2'], {}, RETRY)
    const everyone = [alice, bob, carol]
    const pairs = [
      [alice, bob, 'doc1'],
      [alice, bob, 'doc2'],
      [alice, carol, 'doc2'],
      [bob, carol, 'doc2'],
    ] as const
    await Promise.all(pairs.flatMap(([a, b, doc]) => [a.waitForPipe(b.peerId, doc), b.waitForPipe(a.peerId, doc)]))
    for (const [a, b, doc] of pairs) a.pipe(b.peerId, doc)!.socket.send(`before ${a.peerId}→${b.peerId} ${doc}`)
    await Promise.all(pairs.map(([a, b, doc]) => b.waitForMessages(a.peerId, doc, 1)))

    await relay.close()
    await eventually(() => everyone.every(c => c.serverDisconnects === 1), 5_000, 'server-disconnect on every Client')
    for (const client of everyone) expect(client.serverCloseCodes, `${client.peerId} introduction socket`).toEqual([1001])
    await Promise.all(pairs.flatMap(([a, b, doc]) => [a.waitForDisconnect(b.peerId, doc), b.waitForDisconnect(a.peerId, doc)]))
    for (const [a, b, doc] of pairs) expect(a.pipe(b.peerId, doc)!.closeCode, `${a.peerId}→${b.peerId} ${doc}`).toBe(1001)

    // While the relay is down every Client keeps trying on its own (each failed attempt is an error).
    await eventually(() => everyone.every(c => c.errors.length >= 3), 5_000, 'each Client to retry at least 3 times')
    expect(everyone.every(c => c.serverConnects === 1)).toBe(true)

    const relay2 = await rig.restartRelay(port)
    await Promise.all(everyone.map(c => c.waitForServerConnects(2)))
    const newPipes = await Promise.all(
      pairs.flatMap(([a, b, doc]) => [a.waitForPipe(b.peerId, doc, 2), b.waitForPipe(a.peerId, doc, 2)]),
    )
    expect(newPipes.every(p => p.closeCode === undefined)).toBe(true)

    for (const [a, b, doc] of pairs) {
      a.pipe(b.peerId, doc)!.socket.send(`after ${a.peerId}→${b.peerId} ${doc}`)
      b.pipe(a.peerId, doc)!.socket.send(Buffer.from(`after ${b.peerId}→${a.peerId} ${doc}`))
    }
    for (const [a, b, doc] of pairs) {
      await b.waitForMessages(a.peerId, doc, 1)
      await a.waitForMessages(b.peerId, doc, 1)
      expect(firstDifference(b.pipe(a.peerId, doc)!.messages, [`after ${a.peerId}→${b.peerId} ${doc}`])).toBeUndefined()
      expect(firstDifference(a.pipe(b.peerId, doc)!.messages, [Buffer.from(`after ${b.peerId}→${a.peerId} ${doc}`)])).toBeUndefined()
    }

    // Exactly one new pipe per pair and document, no duplicates, nothing left waiting.
    for (const client of everyone) expect(client.serverConnects).toBe(2)
    expect(alice.pipes).toHaveLength(6)
    expect(bob.pipes).toHaveLength(6)
    expect(carol.pipes).toHaveLength(4)
    const snapshot = relay2.snapshot()
    expect(snapshot.peers.map(p => p.id).sort()).toEqual(['alice', 'bob', 'carol'])
    expect(snapshot.peers.find(p => p.id === 'alice')!.documents.sort()).toEqual(DOCS)
    expect(snapshot.peers.find(p => p.id === 'carol')!.documents).toEqual(['doc2'])
    expect(snapshot.counts).toMatchObject({ peers: 3, documents: 2, pipesLive: 4, pipesWaiting: 0 })
    for (const [a, b, doc] of pairs) {
      const pipes = pipesBetween(snapshot, a.peerId, b.peerId, doc)
      expect(pipes).toHaveLength(1)
      const traffic = trafficOf(pipes[0]!, a.peerId)
      expect(traffic.fromA.messages).toBe(1)
      expect(traffic.fromB.messages).toBe(1)
    }
    expect(snapshot.totals.refusals).toBe(0)
  })
})
