/**
 * Every configurable limit, through real sockets on loopback: the close code or HTTP refusal and its
 * reason, the model's counters and events, and that everyone else keeps working.
 */
import { once } from 'node:events'
import { pack } from 'msgpackr'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { MALFORMED_TOLERANCE, type CloseKind } from '../../shared/close-codes.js'
import type { RelayLimits } from '../../shared/limits.js'
import type { RelayEvent, RelaySnapshot } from '../../shared/relay-model.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'
import { expectEveryRefusalExplained, expectPairPipes, expectSequence, refusedUpgrade, sequenced, sleep, upgradeRequest } from '../helpers/processes.js'

let current: RelayServer | undefined
const sockets: WebSocket[] = []

async function relayWith(limits: Partial<RelayLimits>) {
  const started = await startRelay(limits)
  current = started.relay
  return started
}

/** A RawPeer that is cleaned up after the test whatever happens. */
async function open(url: string, path: string): Promise<RawPeer> {
  const peer = await openPeer(url, path)
  sockets.push(peer.socket)
  return peer
}

function peer(url: string, path: string): RawPeer {
  const raw = new RawPeer(url + path)
  sockets.push(raw.socket)
  return raw
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await current?.close()
  current = undefined
})

const refusalEvents = (snapshot: RelaySnapshot, kind: CloseKind) =>
  snapshot.events.filter(event => event.kind === 'refusal' && event.refusal === kind)

/** The refusal was counted once under its kind and logged as an event with its code. */
function expectRefusalCounted(relay: RelayServer, kind: CloseKind, code: number, fields: Partial<RelayEvent> = {}) {
  const snapshot = relay.snapshot()
  expect(snapshot.totals.refusalsByKind[kind]).toBe(1)
  expect(snapshot.totals.refusals).toBeGreaterThanOrEqual(1)
  const events = refusalEvents(snapshot, kind)
  expect(events).toHaveLength(1)
  expect(events[0]).toMatchObject({ kind: 'refusal', refusal: kind, code, ...fields })
  return events[0]!
}

/** Two introduction sockets on one document introduce each other: the control plane still works. */
async function expectIntroductions(url: string, a: string, b: string, documentId: string) {
  const left = await open(url, `/introduction/${a}`)
  const right = await open(url, `/introduction/${b}`)
  left.sendControl({ type: 'Join', documentIds: [documentId] })
  right.sendControl({ type: 'Join', documentIds: [documentId] })
  await left.waitForMessages(1)
  await right.waitForMessages(1)
  expect(left.controlMessages()[0]).toEqual({ type: 'Introduction', peerId: b, documentIds: [documentId] })
  expect(right.controlMessages()[0]).toEqual({ type: 'Introduction', peerId: a, documentIds: [documentId] })
}

/** A packed Join of exactly `size` bytes (extra fields are ignored by the relay). */
function joinOfSize(size: number, documentId: string): Buffer {
  for (let pad = 0; pad < size; pad++) {
    const packed = pack({ type: 'Join', documentIds: [documentId], pad: 'x'.repeat(pad) })
    if (packed.length === size) return packed
  }
  throw new Error(`cannot pack a Join of exactly ${size} bytes`)
}

describe('maxControlMessageBytes', () => {
  test('a control frame one byte over the limit closes the introduction socket with 1009 naming the limit; one at the limit is fine', async () => {
    const { relay, url } = await relayWith({ maxControlMessageBytes: 1024 })
    const bystander = await open(url, '/introduction/bystander')
    bystander.sendControl({ type: 'Join', documentIds: ['doc'] })

    const talker = await open(url, '/introduction/talker')
    talker.send(joinOfSize(1024, 'doc'))
    // The Join at exactly the limit was accepted: both sides were introduced.
    await bystander.waitForMessages(1)
    expect(bystander.controlMessages()[0]).toEqual({ type: 'Introduction', peerId: 'talker', documentIds: ['doc'] })

    talker.send(joinOfSize(1025, 'doc'))
    await talker.closed
    expect(talker.closeCode).toBe(1009)
    expect(talker.closeReason).toBe('message too big: limit is 1024 bytes')

    expectRefusalCounted(relay, 'tooBig', 1009, { peerId: 'talker' })
    await eventually(() => !relay.snapshot().peers.some(p => p.id === 'talker'), 5_000, 'talker to leave the model')
    expect(bystander.closeCode).toBeUndefined()
    await expectIntroductions(url, 'x', 'y', 'doc2')
    await expectPairPipes(url)
  })
})

describe('maxPipeMessageBytes', () => {
  test('a pipe message over the limit closes its sender with 1009 naming the limit and the partner with 1000', async () => {
    const { relay, url } = await relayWith({ maxPipeMessageBytes: 4096 })
    const a = await open(url, '/connection/a/b/doc')
    const b = await open(url, '/connection/b/a/doc')
    a.send(Buffer.alloc(4096, 7))
    const [atLimit] = await b.waitForMessages(1)
    expect(atLimit!.data.length).toBe(4096)

    a.send(Buffer.alloc(4097, 7))
    await a.closed
    await b.closed
    expect(a.closeCode).toBe(1009)
    expect(a.closeReason).toBe('message too big: limit is 4096 bytes')
    expect(b.closeCode).toBe(1000)
    expect(b.closeReason).toBe('partner closed')
    expect(b.received).toHaveLength(1)

    expectRefusalCounted(relay, 'tooBig', 1009, { peerId: 'a' })
    await eventually(() => relay.snapshot().counts.pipesLive === 0, 5_000, 'the pipe to leave the model')
    await expectPairPipes(url)
  })
})

describe('holdPauseBytes', () => {
  test('a waiting pipe stops reading its sender once that many bytes are held, and delivers every message in order later', async () => {
    const holdPauseBytes = 64 * 1024
    const { relay, url } = await relayWith({ holdPauseBytes, maxHeldBytes: 64 * 1024 * 1024 })
    const sender = peer(url, '/connection/s/r/doc')
    // The relay pauses a hold only after the sender answered its first ping; sending after the
    // ping puts our pong on the wire ahead of every message.
    const pinged = once(sender.socket, 'ping')
    await sender.opened
    await pinged

    const size = 16 * 1024
    const count = 512 // 8 MiB, far more than the pause threshold
    for (let seq = 0; seq < count; seq++) sender.send(sequenced(seq, size))

    const pipe = () => relay.snapshot().pipes.find(p => p.peers[0] === 's')!
    await eventually(() => pipe().throttled[0], 5_000, 'the waiting sender to be paused')
    // Give the relay time to read more if it (wrongly) kept reading.
    await sleep(300)
    const held = pipe().heldBytes
    console.log(`MEASURED: waiting pipe held ${held} bytes with holdPauseBytes ${holdPauseBytes} after ${count * size} bytes were sent`)
    expect(held).toBeGreaterThanOrEqual(holdPauseBytes)
    expect(held).toBeLessThan(holdPauseBytes + 128 * 1024)
    expect(pipe().state).toBe('waiting')

    const receiver = await open(url, '/connection/r/s/doc')
    await receiver.waitForMessages(count, 15_000)
    expectSequence(receiver.received, count, size)
    await eventually(() => pipe().heldBytes === 0 && !pipe().throttled[0], 5_000, 'the hold to drain')
    expect(pipe().messages[0]).toBe(count)
    expect(relay.snapshot().totals.refusals).toBe(0)
  })
})

describe('maxHeldBytes', () => {
  test('a waiting sender that sends more than maxHeldBytes is closed with 4413 hold overflow', async () => {
    const { relay, url } = await relayWith({ maxHeldBytes: 100_000, holdPauseBytes: 100_000 })
    const sender = await open(url, '/connection/s/r/doc')
    sender.send(Buffer.alloc(60_000, 1))
    sender.send(Buffer.alloc(60_000, 2))
    await sender.closed
    expect(sender.closeCode).toBe(4413)
    expect(sender.closeReason).toBe('hold overflow: more than 100000 bytes sent before the partner could take them')

    const event = expectRefusalCounted(relay, 'holdOverflow', 4413, { peerId: 's' })
    expect(event).toMatchObject({ otherPeerId: 'r', documentIds: ['doc'] })
    await eventually(() => relay.snapshot().counts.pipesWaiting === 0, 5_000, 'the waiting pipe to leave the model')

    // The partner arriving late finds nothing held for it: it waits for a fresh sender.
    const receiver = await open(url, '/connection/r/s/doc')
    await eventually(() => relay.snapshot().counts.pipesWaiting === 1, 5_000, 'the late partner to wait')
    const again = await open(url, '/connection/s/r/doc')
    again.send('fresh')
    const [fresh] = await receiver.waitForMessages(1)
    expect(fresh!.data.toString()).toBe('fresh')
    expect(receiver.received).toHaveLength(1)
    await expectPairPipes(url)
  })
})

describe('holdTimeoutMs', () => {
  test('a pipe whose partner does not come is closed with 4408 hold timeout; a live pipe is not timed out', async () => {
    const { relay, url } = await relayWith({ holdTimeoutMs: 300 })
    const liveA = await open(url, '/connection/la/lb/doc')
    const liveB = await open(url, '/connection/lb/la/doc')
    const lonely = await open(url, '/connection/s/r/doc')
    lonely.send('for nobody')
    await lonely.closed
    expect(lonely.closeCode).toBe(4408)
    expect(lonely.closeReason).toBe('hold timeout: partner did not connect within 0.3 s')

    const event = expectRefusalCounted(relay, 'holdTimeout', 4408, { peerId: 's' })
    expect(event).toMatchObject({ otherPeerId: 'r', documentIds: ['doc'] })
    await eventually(() => relay.snapshot().counts.pipesWaiting === 0, 5_000, 'the waiting pipe to leave the model')

    // The live pipe opened before the waiting one is well past the timeout and still works.
    await sleep(300)
    liveA.send('still here')
    const [message] = await liveB.waitForMessages(1)
    expect(message!.data.toString()).toBe('still here')
    expect(liveA.closeCode).toBeUndefined()
    await expectPairPipes(url)
  })
})

describe('maxDocumentsPerPeer', () => {
  test('joining one document too many closes with 4429, then the peer id is refused 4430 with Retry-After for a while', async () => {
    const { relay, url, port } = await relayWith({ maxDocumentsPerPeer: 3 })
    const modest = await open(url, '/introduction/modest')
    modest.sendControl({ type: 'Join', documentIds: ['d1'] })
    const greedy = await open(url, '/introduction/greedy')
    for (const documentId of ['d1', 'd2', 'd3', 'd1']) greedy.sendControl({ type: 'Join', documentIds: [documentId] })
    await modest.waitForMessages(1)
    await eventually(() => relay.snapshot().peers.find(p => p.id === 'greedy')?.documents.length === 3, 5_000, 'three joins')
    expect(greedy.closeCode).toBeUndefined()

    greedy.sendControl({ type: 'Join', documentIds: ['d4'] })
    await greedy.closed
    expect(greedy.closeCode).toBe(4429)
    expect(greedy.closeReason).toBe('limit reached: a peer may join at most 3 documents')
    expectRefusalCounted(relay, 'limitReached', 4429, { peerId: 'greedy' })
    await eventually(() => !relay.snapshot().peers.some(p => p.id === 'greedy'), 5_000, 'greedy to leave the model')
    expect(relay.snapshot().documents.map(d => d.id).sort()).toEqual(['d1'])

    // Closed for cause: the next attempt is refused before the socket opens, with a Retry-After.
    const penalty = await upgradeRequest(port, '/introduction/greedy')
    expect(penalty).toMatchObject({ upgraded: false, status: 429, headers: { 'retry-after': '1' } })
    expect(penalty.upgraded === false && penalty.body).toBe('4430 retry later: this peer id was closed for cause; retry in 1 s\n')
    expectRefusalCounted(relay, 'penalty', 4430, { peerId: 'greedy', status: 429 })

    // The other peer kept its socket and its documents, and may use the whole allowance itself.
    expect(modest.closeCode).toBeUndefined()
    for (const documentId of ['m2', 'm3']) modest.sendControl({ type: 'Join', documentIds: [documentId] })
    await eventually(() => relay.snapshot().peers.find(p => p.id === 'modest')?.documents.length === 3, 5_000, 'modest to hold three')
    await expectIntroductions(url, 'x', 'y', 'd9')
    await expectPairPipes(url)
  })
})

describe('controlMessagesPerSecond', () => {
  test('a peer may burst maxDocumentsPerPeer + rate control messages; one that keeps going is closed with 4429 and penalized', async () => {
    const { relay, url, port } = await relayWith({ controlMessagesPerSecond: 5, maxDocumentsPerPeer: 5 })
    const chatty = await open(url, '/introduction/chatty')
    // The whole burst allowance (5 documents + 5 per second) at once is fine.
    for (let i = 0; i < 10; i++) chatty.sendControl({ type: 'Heartbeat' })
    await sleep(1_100) // at 5 per second, a few more are allowed again
    chatty.sendControl({ type: 'Join', documentIds: ['doc'] })
    const other = await open(url, '/introduction/other')
    other.sendControl({ type: 'Join', documentIds: ['doc'] })
    await chatty.waitForMessages(1)
    expect(chatty.closeCode).toBeUndefined()
    expect(relay.snapshot().totals.refusals).toBe(0)

    for (let i = 0; i < 20; i++) chatty.sendControl({ type: 'Heartbeat' })
    await chatty.closed
    expect(chatty.closeCode).toBe(4429)
    expect(chatty.closeReason).toBe('limit reached: more than 5 control messages per second')
    expectRefusalCounted(relay, 'limitReached', 4429, { peerId: 'chatty' })
    const penalty = await upgradeRequest(port, '/introduction/chatty')
    expect(penalty).toMatchObject({ upgraded: false, status: 429 })

    // The other peer on the same document is unharmed.
    expect(other.closeCode).toBeUndefined()
    await expectIntroductions(url, 'x', 'y', 'd2')
    await expectPairPipes(url)
  })
})

describe('maxPeers', () => {
  test('the peer over the limit is refused with HTTP 429 before its socket opens; the others still introduce and pipe', async () => {
    const { relay, url } = await relayWith({ maxPeers: 2 })
    const p1 = await open(url, '/introduction/p1')
    const p2 = await open(url, '/introduction/p2')

    const refused = await refusedUpgrade(peer(url, '/introduction/p3'))
    expect(refused).toEqual({ status: 429, body: '4429 limit reached: the relay holds its maximum of 2 peers' })
    expectRefusalCounted(relay, 'limitReached', 4429, { peerId: 'p3', status: 429 })
    expect(relay.snapshot().counts.peers).toBe(2)

    // The two admitted peers find each other and pipe: pipe sockets are not peers.
    p1.sendControl({ type: 'Join', documentIds: ['shared'] })
    p2.sendControl({ type: 'Join', documentIds: ['shared'] })
    await p1.waitForMessages(1)
    await p2.waitForMessages(1)
    await expectPairPipes(url, 'p1', 'p2')

    // A peer already connected may reconnect at the limit (its new socket replaces the old one).
    const p1again = await open(url, '/introduction/p1')
    await p1.closed
    expect(p1.closeCode).toBe(4409)
    expect(p1again.closeCode).toBeUndefined()

    // Once a slot frees, a new peer gets in.
    await p2.close()
    await eventually(() => relay.snapshot().counts.peers === 1, 5_000, 'p2 to leave')
    const p3 = await open(url, '/introduction/p3')
    expect(p3.socket.readyState).toBe(WebSocket.OPEN)
    expect(relay.snapshot().totals.refusalsByKind.limitReached).toBe(1)
  })
})

describe('maxConnectionsPerAddress', () => {
  test('over the limit from one address, an introduction is refused with HTTP 429 and a pipe is opened and closed 4429; open sockets and other addresses are unharmed', async () => {
    const { relay, url, port } = await relayWith({ maxConnectionsPerAddress: 3 })
    const a = await open(url, '/connection/a/b/doc')
    const b = await open(url, '/connection/b/a/doc')
    const c = await open(url, '/introduction/c')

    const refused = await refusedUpgrade(peer(url, '/introduction/d'))
    expect(refused).toEqual({ status: 429, body: '4429 limit reached: 3 connections from 127.0.0.1' })
    expectRefusalCounted(relay, 'limitReached', 4429, { status: 429, address: '127.0.0.1' })
    // The published Client has no error listener on pipe sockets: a refused handshake would crash
    // the app, so a pipe over the limit opens and is closed with the code.
    const refusedPipe = peer(url, '/connection/e/f/doc')
    await refusedPipe.closed
    expect([refusedPipe.closeCode, refusedPipe.closeReason]).toEqual([4429, 'limit reached: 3 connections from 127.0.0.1'])
    expect(relay.snapshot().totals.refusalsByKind.limitReached).toBe(2)

    // The pipe that was already open still carries messages both ways.
    a.send('over the limit is fine for open sockets')
    b.send(Buffer.from([9]))
    expect((await b.waitForMessages(1))[0]!.data.toString()).toBe('over the limit is fine for open sockets')
    expect((await a.waitForMessages(1))[0]!.data).toEqual(Buffer.from([9]))

    // Another address on this host has its own allowance.
    const elsewhere = new WebSocket(`ws://127.0.0.1:${port}/introduction/elsewhere`, { localAddress: '127.0.0.2' })
    sockets.push(elsewhere)
    await once(elsewhere, 'open')
    expect(relay.snapshot().peers.find(p => p.id === 'elsewhere')?.address).toBe('127.0.0.2')

    // A closed socket gives its slot back.
    await c.close()
    await eventually(() => relay.snapshot().counts.sockets === 3, 5_000, 'the slot to free')
    const d = await open(url, '/introduction/d')
    expect(d.socket.readyState).toBe(WebSocket.OPEN)
  })
})

describe('refusal events', () => {
  test('every kind of refusal is logged in the model with its code and a human-readable reason', async () => {
    const { relay, url } = await relayWith({
      maxControlMessageBytes: 1000,
      maxPipeMessageBytes: 2000,
      maxHeldBytes: 1000,
      holdPauseBytes: 1000,
      holdTimeoutMs: 300,
      maxDocumentsPerPeer: 1,
      pingIntervalMs: 200,
    })
    // tooBig, holdOverflow, holdTimeout on waiting pipes
    const big = await open(url, '/connection/big/x/doc')
    big.send(Buffer.alloc(3000))
    const overflow = await open(url, '/connection/over/x/doc')
    overflow.send(Buffer.alloc(1500))
    const lonely = await open(url, '/connection/lonely/x/doc')
    // replaced
    await open(url, '/introduction/twice')
    await open(url, '/introduction/twice')
    // limitReached (documents), then penalty for the same id
    const greedy = await open(url, '/introduction/greedy')
    greedy.sendControl({ type: 'Join', documentIds: ['a'] })
    greedy.sendControl({ type: 'Join', documentIds: ['b'] })
    await greedy.closed
    await refusedUpgrade(peer(url, '/introduction/greedy'))
    // malformed, unknownPath
    const garbled = await open(url, '/introduction/garbled')
    for (let i = 0; i <= MALFORMED_TOLERANCE.messages; i++) garbled.send(Buffer.from([0xc1]))
    await garbled.closed
    const lost = new RawPeer(url + '/nowhere')
    sockets.push(lost.socket)
    await lost.closed
    // deadSocket
    const silent = new WebSocket(url + '/introduction/silent', { autoPong: false })
    sockets.push(silent)
    silent.on('error', () => {})
    await Promise.all([big.closed, overflow.closed, lonely.closed, once(silent, 'close')])

    const kinds: CloseKind[] = ['tooBig', 'holdOverflow', 'holdTimeout', 'replaced', 'limitReached', 'penalty', 'malformed', 'unknownPath', 'deadSocket']
    await eventually(() => kinds.every(kind => refusalEvents(relay.snapshot(), kind).length > 0), 5_000, 'one refusal of each kind')
    const events = relay.snapshot().events
    const summary = kinds.map(kind => {
      const event = refusalEvents(relay.snapshot(), kind)[0]!
      return `${kind}: ${event.code} ${JSON.stringify(event.reason)}`
    })
    console.log(`refusal events:\n  ${summary.join('\n  ')}`)
    expectEveryRefusalExplained(events)
  })
})
