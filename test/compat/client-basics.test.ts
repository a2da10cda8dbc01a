/**
 * The published @localfirst/relay 4.2.2 Client against the engine on loopback: connecting,
 * documents, leave, disconnectPeer, disconnectServer and reconnecting.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CompatRig, byteLength, firstDifference, pipesBetween, trafficOf } from '../helpers/clients.js'
import { eventually } from '../helpers/relay.js'
import type { RelaySnapshot } from '../../shared/relay-model.js'

const rig = new CompatRig()
afterEach(() => rig.cleanup())

const sorted = (ids: Iterable<string>) => [...ids].sort()
const documentsOf = (snapshot: RelaySnapshot, peerId: string) => sorted(snapshot.peers.find(p => p.id === peerId)?.documents ?? ['<not connected>'])
const peersOn = (snapshot: RelaySnapshot, documentId: string) => sorted(snapshot.documents.find(d => d.id === documentId)?.peers ?? [])
const sumBytes = (messages: (string | Uint8Array)[]) => messages.reduce((sum, m) => sum + byteLength(m), 0)

describe('published Client: a shared document', () => {
  it('introduces two Clients, pipes text and binary both ways, and the model counts it exactly', async () => {
    const { relay, url } = await rig.startRelay()
    const alice = rig.client(url, 'alice', ['doc'])
    const bob = rig.client(url, 'bob', ['doc'])
    const [toBob, toAlice] = await Promise.all([alice.waitForPipe('bob', 'doc'), bob.waitForPipe('alice', 'doc')])

    const fromAlice = ['héllo from alice ✓', Buffer.from([0, 1, 2, 0xff]), 'second text', Buffer.alloc(70_000, 0xab)]
    const fromBob = [Buffer.from('binary that looks like text'), 'bob says hi 👋']
    for (const message of fromAlice) toBob.socket.send(message)
    for (const message of fromBob) toAlice.socket.send(message)

    await bob.waitForMessages('alice', 'doc', fromAlice.length)
    await alice.waitForMessages('bob', 'doc', fromBob.length)
    expect(firstDifference(toAlice.messages, fromAlice)).toBeUndefined()
    expect(firstDifference(toBob.messages, fromBob)).toBeUndefined()
    expect(typeof toAlice.messages[0]).toBe('string')
    expect(Buffer.isBuffer(toAlice.messages[1])).toBe(true)

    expect(alice.serverConnects).toBe(1)
    expect(bob.serverConnects).toBe(1)
    expect(alice.pipes).toHaveLength(1)
    expect(bob.pipes).toHaveLength(1)
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])

    const snapshot = relay.snapshot()
    expect(sorted(snapshot.peers.map(p => p.id))).toEqual(['alice', 'bob'])
    expect(documentsOf(snapshot, 'alice')).toEqual(['doc'])
    expect(documentsOf(snapshot, 'bob')).toEqual(['doc'])
    expect(peersOn(snapshot, 'doc')).toEqual(['alice', 'bob'])
    expect(snapshot.counts).toMatchObject({ peers: 2, documents: 1, pipesLive: 1, pipesWaiting: 0 })
    expect(snapshot.pipes).toHaveLength(1)
    const [pipe] = pipesBetween(snapshot, 'alice', 'bob', 'doc')
    expect(pipe).toMatchObject({ state: 'live', documentId: 'doc', heldBytes: 0 })
    expect(trafficOf(pipe!, 'alice')).toEqual({
      fromA: { bytes: sumBytes(fromAlice), messages: fromAlice.length },
      fromB: { bytes: sumBytes(fromBob), messages: fromBob.length },
    })
    expect(snapshot.totals.messagesRelayed).toBe(fromAlice.length + fromBob.length)
    expect(snapshot.totals.bytesRelayed).toBe(sumBytes(fromAlice) + sumBytes(fromBob))
    expect(snapshot.totals.pipesOpened).toBe(1)
    expect(snapshot.totals.refusals).toBe(0)
  })

  it('opens a second pipe when the same two peers share a second document; a third peer gets only that one', async () => {
    const { relay, url } = await rig.startRelay()
    const alice = rig.client(url, 'alice', ['doc1'])
    const bob = rig.client(url, 'bob', ['doc1'])
    const [aliceBob1, bobAlice1] = await Promise.all([alice.waitForPipe('bob', 'doc1'), bob.waitForPipe('alice', 'doc1')])

    alice.client.join('doc2')
    bob.client.join('doc2')
    const [aliceBob2, bobAlice2] = await Promise.all([alice.waitForPipe('bob', 'doc2'), bob.waitForPipe('alice', 'doc2')])
    expect(aliceBob2.socket).not.toBe(aliceBob1.socket)

    const carol = rig.client(url, 'carol', ['doc2'])
    const [carolAlice, carolBob, aliceCarol, bobCarol] = await Promise.all([
      carol.waitForPipe('alice', 'doc2'),
      carol.waitForPipe('bob', 'doc2'),
      alice.waitForPipe('carol', 'doc2'),
      bob.waitForPipe('carol', 'doc2'),
    ])

    // Each message names its pipe, so one that crossed to another pipe shows up as a difference.
    const sends: [typeof aliceBob1, string][] = [
      [aliceBob1, 'alice→bob on doc1'],
      [bobAlice1, 'bob→alice on doc1'],
      [aliceBob2, 'alice→bob on doc2'],
      [bobAlice2, 'bob→alice on doc2'],
      [carolAlice, 'carol→alice on doc2'],
      [aliceCarol, 'alice→carol on doc2'],
      [carolBob, 'carol→bob on doc2'],
      [bobCarol, 'bob→carol on doc2'],
    ]
    for (const [pipe, text] of sends) {
      pipe.socket.send(text)
      pipe.socket.send(Buffer.from(text))
    }
    await Promise.all([
      bob.waitForMessages('alice', 'doc1', 2),
      alice.waitForMessages('bob', 'doc1', 2),
      bob.waitForMessages('alice', 'doc2', 2),
      alice.waitForMessages('bob', 'doc2', 2),
      alice.waitForMessages('carol', 'doc2', 2),
      carol.waitForMessages('alice', 'doc2', 2),
      bob.waitForMessages('carol', 'doc2', 2),
      carol.waitForMessages('bob', 'doc2', 2),
    ])
    const expectPair = (messages: unknown[], text: string) => expect(firstDifference(messages as never, [text, Buffer.from(text)])).toBeUndefined()
    expectPair(bobAlice1.messages, 'alice→bob on doc1')
    expectPair(aliceBob1.messages, 'bob→alice on doc1')
    expectPair(bobAlice2.messages, 'alice→bob on doc2')
    expectPair(aliceBob2.messages, 'bob→alice on doc2')
    expectPair(aliceCarol.messages, 'carol→alice on doc2')
    expectPair(carolAlice.messages, 'alice→carol on doc2')
    expectPair(bobCarol.messages, 'carol→bob on doc2')
    expectPair(carolBob.messages, 'bob→carol on doc2')

    // Joining doc2 did not disturb the doc1 pipe, and carol was never offered doc1.
    expect(aliceBob1.closeCode).toBeUndefined()
    expect(bobAlice1.closeCode).toBeUndefined()
    expect(carol.pipes.map(p => `${p.peerId}/${p.documentId}`).sort()).toEqual(['alice/doc2', 'bob/doc2'])
    expect(alice.pipes).toHaveLength(3)
    expect(bob.pipes).toHaveLength(3)

    const snapshot = relay.snapshot()
    expect(documentsOf(snapshot, 'alice')).toEqual(['doc1', 'doc2'])
    expect(documentsOf(snapshot, 'bob')).toEqual(['doc1', 'doc2'])
    expect(documentsOf(snapshot, 'carol')).toEqual(['doc2'])
    expect(peersOn(snapshot, 'doc1')).toEqual(['alice', 'bob'])
    expect(peersOn(snapshot, 'doc2')).toEqual(['alice', 'bob', 'carol'])
    expect(snapshot.counts).toMatchObject({ peers: 3, documents: 2, pipesLive: 4, pipesWaiting: 0 })
    for (const [a, b, doc] of [
      ['alice', 'bob', 'doc1'],
      ['alice', 'bob', 'doc2'],
      ['alice', 'carol', 'doc2'],
      ['bob', 'carol', 'doc2'],
    ] as const) {
      const pipes = pipesBetween(snapshot, a, b, doc)
      expect(pipes, `${a}-${b} on ${doc}`).toHaveLength(1)
      expect(pipes[0]!.state).toBe('live')
      expect(pipes[0]!.messages).toEqual([2, 2])
    }
    const carolIntroductions = snapshot.events.filter(e => e.kind === 'introduction' && (e.peerId === 'carol' || e.otherPeerId === 'carol'))
    expect(carolIntroductions.map(e => e.documentIds)).toEqual([['doc2'], ['doc2']])
  })
})

describe('published Client: leave', () => {
  it('after alice leaves a document, a newcomer on it is introduced to bob but not to alice', async () => {
    const { relay, url } = await rig.startRelay()
    const alice = rig.client(url, 'alice', ['doc', 'other'])
    const bob = rig.client(url, 'bob', ['doc', 'other'])
    const [aliceDoc, , aliceOther] = await Promise.all([
      alice.waitForPipe('bob', 'doc'),
      bob.waitForPipe('alice', 'doc'),
      alice.waitForPipe('bob', 'other'),
      bob.waitForPipe('alice', 'other'),
    ])

    alice.client.leave('doc')
    // The Client closes its own pipe on leave; the relay closes bob's side to match.
    await bob.waitForDisconnect('alice', 'doc')
    await eventually(() => documentsOf(relay.snapshot(), 'alice').join() === 'other', 5_000, 'the Leave to reach the model')
    await eventually(() => pipesBetween(relay.snapshot(), 'alice', 'bob', 'doc').length === 0, 5_000, 'the doc pipe to close')
    expect(aliceDoc.closeCode).toBeDefined()
    expect(aliceOther.closeCode).toBeUndefined()
    expect(bob.disconnectsFrom('alice', 'other')).toBe(0)

    const carol = rig.client(url, 'carol', ['doc'])
    const [carolBob, bobCarol] = await Promise.all([carol.waitForPipe('bob', 'doc'), bob.waitForPipe('carol', 'doc')])
    carolBob.socket.send('hi bob')
    expect(await bob.waitForMessages('carol', 'doc', 1)).toEqual(['hi bob'])
    bobCarol.socket.send('hi carol')
    expect(await carol.waitForMessages('bob', 'doc', 1)).toEqual(['hi carol'])

    // Barrier: dave shares only `other` with alice and joins after carol's Join was handled, so
    // alice's introduction socket delivers anything about carol before the one about dave.
    const dave = rig.client(url, 'dave', ['other'])
    await Promise.all([alice.waitForPipe('dave', 'other'), dave.waitForPipe('alice', 'other')])
    expect(alice.client.has('carol')).toBe(false)
    expect(carol.client.has('alice')).toBe(false)
    expect(alice.pipesTo('carol')).toEqual([])
    expect(carol.pipes.map(p => p.peerId)).toEqual(['bob'])

    const snapshot = relay.snapshot()
    expect(documentsOf(snapshot, 'alice')).toEqual(['other'])
    expect(peersOn(snapshot, 'doc')).toEqual(['bob', 'carol'])
    expect(peersOn(snapshot, 'other')).toEqual(['alice', 'bob', 'dave'])
    expect(pipesBetween(snapshot, 'alice', 'carol', 'doc')).toEqual([])
    expect(pipesBetween(snapshot, 'alice', 'bob', 'other')).toHaveLength(1)
    const carolIntroductions = snapshot.events.filter(e => e.kind === 'introduction' && (e.peerId === 'carol' || e.otherPeerId === 'carol'))
    expect(carolIntroductions.map(e => sorted([e.peerId!, e.otherPeerId!]))).toEqual([['bob', 'carol']])
  })
})

describe('published Client: disconnectPeer', () => {
  it('closes every pipe to that peer: the other side gets peer-disconnect and the model drops the pipes', async () => {
    const { relay, url } = await rig.startRelay()
    const alice = rig.client(url, 'alice', ['doc1', 'doc2'])
    const bob = rig.client(url, 'bob', ['doc1', 'doc2'])
    const carol = rig.client(url, 'carol', ['doc1'])
    await Promise.all([
      alice.waitForPipe('bob', 'doc1'),
      alice.waitForPipe('bob', 'doc2'),
      bob.waitForPipe('alice', 'doc1'),
      bob.waitForPipe('alice', 'doc2'),
      alice.waitForPipe('carol', 'doc1'),
      carol.waitForPipe('alice', 'doc1'),
      bob.waitForPipe('carol', 'doc1'),
      carol.waitForPipe('bob', 'doc1'),
    ])
    expect(relay.snapshot().counts.pipesLive).toBe(4)

    alice.client.disconnectPeer('bob')
    await Promise.all([bob.waitForDisconnect('alice', 'doc1'), bob.waitForDisconnect('alice', 'doc2')])
    expect(bob.pipe('alice', 'doc1')!.closeCode).toBe(1000)
    expect(bob.pipe('alice', 'doc2')!.closeCode).toBe(1000)
    await eventually(() => relay.snapshot().counts.pipesLive === 2, 5_000, 'the relay to close both alice-bob pipes')

    const snapshot = relay.snapshot()
    expect(pipesBetween(snapshot, 'alice', 'bob', 'doc1')).toEqual([])
    expect(pipesBetween(snapshot, 'alice', 'bob', 'doc2')).toEqual([])
    expect(snapshot.counts.pipesWaiting).toBe(0)
    // Only the pipes to bob went: the peers stay connected and the pipes to carol stay live.
    expect(sorted(snapshot.peers.map(p => p.id))).toEqual(['alice', 'bob', 'carol'])
    expect(documentsOf(snapshot, 'alice')).toEqual(['doc1', 'doc2'])
    expect(pipesBetween(snapshot, 'alice', 'carol', 'doc1')).toHaveLength(1)
    expect(alice.disconnectsFrom('carol') + bob.disconnectsFrom('carol') + carol.disconnects.length).toBe(0)
    const aliceCarol = alice.pipe('carol', 'doc1')!
    aliceCarol.socket.send('still here')
    expect(await carol.waitForMessages('alice', 'doc1', 1)).toEqual(['still here'])

    // Joining again gets the two re-introduced on that document, and the new pipe works.
    alice.client.join('doc1')
    const [again, againBack] = await Promise.all([alice.waitForPipe('bob', 'doc1', 2), bob.waitForPipe('alice', 'doc1', 2)])
    again.socket.send(Buffer.from([9, 9, 9]))
    expect(await bob.waitForMessages('alice', 'doc1', 1)).toEqual([Buffer.from([9, 9, 9])])
    againBack.socket.send('back')
    expect(await alice.waitForMessages('bob', 'doc1', 1)).toEqual(['back'])
  })
  it('joining again right after disconnectPeer, before the relay saw the close, still gets one working pipe', async () => {
    const { relay, url } = await rig.startRelay()
    const alice = rig.client(url, 'alice', ['doc'])
    const bob = rig.client(url, 'bob', ['doc'])
    await Promise.all([alice.waitForPipe('bob', 'doc'), bob.waitForPipe('alice', 'doc')])

    alice.client.disconnectPeer('bob')
    alice.client.join('doc')
    const [again, againBack] = await Promise.all([alice.waitForPipe('bob', 'doc', 2), bob.waitForPipe('alice', 'doc', 2)])
    await bob.waitForDisconnect('alice', 'doc')
    again.socket.send('once more')
    againBack.socket.send(Buffer.from('welcome back'))
    expect(await bob.waitForMessages('alice', 'doc', 1)).toEqual(['once more'])
    expect(await alice.waitForMessages('bob', 'doc', 1)).toEqual([Buffer.from('welcome back')])
    expect(again.closeCode).toBeUndefined()
    expect(againBack.closeCode).toBeUndefined()

    await eventually(() => relay.snapshot().pipes.length === 1, 5_000, 'only the new pipe to remain')
    const [pipe] = relay.snapshot().pipes
    expect(pipe).toMatchObject({ state: 'live', documentId: 'doc', messages: [1, 1] })
  })
})

describe('published Client: disconnectServer and reconnecting', () => {
  it('a peer that disconnects is forgotten; a new Client with its id is introduced again and gets working pipes', async () => {
    const { relay, url } = await rig.startRelay()
    const alice = rig.client(url, 'alice', ['doc'])
    const bob = rig.client(url, 'bob', ['doc'])
    await Promise.all([alice.waitForPipe('bob', 'doc'), bob.waitForPipe('alice', 'doc')])

    alice.client.disconnectServer()
    await bob.waitForDisconnect('alice', 'doc')
    await eventually(() => !relay.snapshot().peers.some(p => p.id === 'alice'), 5_000, 'the relay to forget alice')
    let snapshot = relay.snapshot()
    expect(snapshot.pipes).toEqual([])
    expect(peersOn(snapshot, 'doc')).toEqual(['bob'])

    const alice2 = rig.client(url, 'alice', ['doc'])
    const [toBob, toAlice] = await Promise.all([alice2.waitForPipe('bob', 'doc'), bob.waitForPipe('alice', 'doc', 2)])
    toBob.socket.send('alice is back')
    toAlice.socket.send(Buffer.from('welcome'))
    expect(await bob.waitForMessages('alice', 'doc', 1)).toEqual(['alice is back'])
    expect(await alice2.waitForMessages('bob', 'doc', 1)).toEqual([Buffer.from('welcome')])
    expect(alice2.serverConnects).toBe(1)

    snapshot = relay.snapshot()
    expect(snapshot.peers.filter(p => p.id === 'alice')).toHaveLength(1)
    expect(snapshot.counts).toMatchObject({ peers: 2, pipesLive: 1, pipesWaiting: 0 })
    expect(trafficOf(pipesBetween(snapshot, 'alice', 'bob', 'doc')[0]!, 'alice')).toEqual({
      fromA: { bytes: 13, messages: 1 },
      fromB: { bytes: 7, messages: 1 },
    })
  })

  it('a new Client with the same id right after disconnectServer takes over cleanly, without a collision', async () => {
    const { relay, url } = await rig.startRelay()
    const alice = rig.client(url, 'alice', ['doc1', 'doc2'])
    const bob = rig.client(url, 'bob', ['doc1', 'doc2'])
    await Promise.all(['doc1', 'doc2'].flatMap(doc => [alice.waitForPipe('bob', doc), bob.waitForPipe('alice', doc)]))

    alice.client.disconnectServer()
    const alice2 = rig.client(url, 'alice', ['doc1', 'doc2'])
    await alice2.waitForServerConnects(1)
    const pipes = await Promise.all(['doc1', 'doc2'].flatMap(doc => [alice2.waitForPipe('bob', doc), bob.waitForPipe('alice', doc, 2)]))
    expect(bob.disconnectsFrom('alice')).toBe(2)
    for (const doc of ['doc1', 'doc2']) {
      alice2.pipe('bob', doc)!.socket.send(`to bob on ${doc}`)
      bob.pipe('alice', doc)!.socket.send(`to alice on ${doc}`)
    }
    for (const doc of ['doc1', 'doc2']) {
      expect(await bob.waitForMessages('alice', doc, 1)).toEqual([`to bob on ${doc}`])
      expect(await alice2.waitForMessages('bob', doc, 1)).toEqual([`to alice on ${doc}`])
    }
    expect(pipes.every(p => p.closeCode === undefined)).toBe(true)

    await eventually(() => relay.snapshot().counts.pipesLive === 2, 5_000, 'old pipes to be gone')
    const snapshot = relay.snapshot()
    const aliceViews = snapshot.peers.filter(p => p.id === 'alice')
    expect(aliceViews).toHaveLength(1)
    expect(aliceViews[0]!.collision).toBeUndefined()
    expect(sorted(aliceViews[0]!.documents)).toEqual(['doc1', 'doc2'])
    expect(snapshot.totals.collisions).toBe(0)
    expect(snapshot.counts).toMatchObject({ peers: 2, pipesLive: 2, pipesWaiting: 0 })
  })
})
