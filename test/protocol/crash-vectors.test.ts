/**
 * Every input that kills the published server (bug 3 in the protocol doc), and the other ways a
 * client can break the WebSocket protocol. One relay serves the whole file, so it must survive all
 * of them in a row; after each, a fresh pair must still be introduced and piped.
 */
import { pack, unpack } from 'msgpackr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MALFORMED_TOLERANCE, type CloseKind } from '../../shared/close-codes.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import {
  OP,
  RawFrameSocket,
  assertRelayWorks,
  closePayload,
  connectTcp,
  encodeFrame,
  encodeFrameHeader,
  upgradeRequest,
} from '../helpers/frames.js'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'

let relay: RelayServer
let url: string
let unique = 0
const id = (name: string) => `${name}-${++unique}`

beforeAll(async () => {
  ;({ relay, url } = await startRelay())
})

afterAll(async () => {
  await relay.close()
})

const refusals = (kind: CloseKind) => relay.snapshot().totals.refusalsByKind[kind] ?? 0

/** Waits until the relay holds no socket, peer, document or pipe: nothing of a vector lingers. */
async function relayIsEmpty(): Promise<void> {
  await eventually(() => {
    const { counts, peers, documents, pipes } = relay.snapshot()
    return counts.sockets === 0 && peers.length === 0 && documents.length === 0 && pipes.length === 0
  }, 5_000, 'the relay to hold nothing')
  expect(relay.snapshot().counts).toEqual({ peers: 0, documents: 0, pipesWaiting: 0, pipesLive: 0, sockets: 0 })
}

const ignored = () => relay.snapshot().totals.ignoredMessages

/**
 * Sends one bad control frame after a good Join, then the same frame until the relay gives up: the
 * first MALFORMED_TOLERANCE.messages are ignored with the socket left open and the Join kept, the
 * next closes it with 4400.
 */
async function malformedControl(bytes: Buffer, why: string, binary = true): Promise<RawPeer> {
  const peerId = id('bad')
  const doc = id('doc')
  const peer = await openPeer(url, `/introduction/${peerId}`)
  peer.sendControl({ type: 'Join', documentIds: [doc] })
  const before = ignored()
  peer.send(bytes, binary)
  await eventually(() => ignored() === before + 1, 5_000, 'the bad frame to be ignored')
  const event = relay.snapshot().events.filter(e => e.kind === 'ignored').at(-1)
  expect(event).toMatchObject({ peerId, reason: expect.stringContaining(why) })
  expect(peer.closeCode).toBeUndefined()
  expect(relay.snapshot().peers.find(p => p.id === peerId)?.documents).toEqual([doc])
  for (let i = 0; i < MALFORMED_TOLERANCE.messages; i++) peer.send(bytes, binary)
  await peer.closed
  expect(ignored()).toBe(before + MALFORMED_TOLERANCE.messages)
  return peer
}

describe('control messages that kill the published server', () => {
  it.each([
    ['MessagePack nil', Buffer.from([0xc0]), 'expected a map with a "type"'],
    ['{type:"Leave"} without an array', pack({ type: 'Leave' }), 'Leave.documentIds must be an array'],
    ['{type:"Leave", documentIds: "doc"}', pack({ type: 'Leave', documentIds: 'doc' }), 'Leave.documentIds must be an array'],
    ['{type:"Join"} without documentIds', pack({ type: 'Join' }), 'Join.documentIds must be an array'],
    ['a MessagePack array', pack(['Join', ['doc']]), 'expected a map with a "type"'],
    ['a MessagePack string', pack('Join'), 'expected a map with a "type"'],
    ['a MessagePack number', pack(42), 'expected a map with a "type"'],
    ['a MessagePack boolean', pack(true), 'expected a map with a "type"'],
    ['the never-used byte 0xc1', Buffer.from([0xc1]), 'unknown type undefined'],
    ['a timestamp extension', Buffer.from('d6ff00000001', 'hex'), 'unknown type undefined'],
    ['extension type 0 (undefined)', Buffer.from('d40000', 'hex'), 'expected a map with a "type"'],
    ['a bigint extension', Buffer.from('d54201ff', 'hex'), 'expected a map with a "type"'],
    ['a truncated string', Buffer.from('a5ab', 'hex'), 'not valid MessagePack'],
    ['a truncated map', Buffer.from('82a474797065', 'hex'), 'not valid MessagePack'],
    ['two values in one frame', Buffer.concat([pack({ type: 'Heartbeat' }), pack({ type: 'Heartbeat' })]), 'not valid MessagePack'],
    ['an empty frame', Buffer.alloc(0), 'not valid MessagePack'],
    ['60,000 nested arrays', Buffer.concat([Buffer.alloc(60_000, 0x91), Buffer.from([0xc0])]), 'not valid MessagePack'],
    ['a map whose only key is __proto__', Buffer.from('81a95f5f70726f746f5f5f81a474797065a44a6f696e', 'hex'), 'unknown type undefined'],
    ['{type: 5}', pack({ type: 5 }), 'unknown type number'],
    ['{type:"Introduction"} (server-only)', pack({ type: 'Introduction', peerId: 'x', documentIds: ['d'] }), 'unknown type "Introduction"'],
    ['{type:"join"} (wrong case)', pack({ type: 'join', documentIds: ['d'] }), 'unknown type "join"'],
    ['a Join naming an id of 513 characters', pack({ type: 'Join', documentIds: ['x'.repeat(513)] }), 'Join.documentIds must hold non-empty strings'],
  ])('ignores %s, closes 4400 when it keeps coming, and keeps relaying', async (_name, bytes, why) => {
    const before = refusals('malformed')
    const peer = await malformedControl(bytes, why)
    expect(peer.closeCode).toBe(4400)
    expect(peer.closeReason.startsWith(`malformed message: more than ${MALFORMED_TOLERANCE.messages} in 10 s, last: ${why}`), peer.closeReason).toBe(true)
    expect(refusals('malformed')).toBe(before + 1)
    expect(({} as Record<string, unknown>).type).toBeUndefined()
    await relayIsEmpty()
    await assertRelayWorks(url)
  })

  it('ignores a JSON text frame (v4 control messages are binary), then closes 4400 when they keep coming', async () => {
    const why = 'control messages are binary MessagePack frames'
    const peer = await malformedControl(Buffer.from(JSON.stringify({ type: 'Join', documentIds: ['d'] })), why, false)
    expect([peer.closeCode, peer.closeReason]).toEqual([4400, `malformed message: more than 5 in 10 s, last: ${why}`])
    await relayIsEmpty()
    await assertRelayWorks(url)
  })

  it('accepts both heartbeats, answers nothing and stays open', async () => {
    const a = await openPeer(url, `/introduction/${id('beat')}`)
    const bId = id('beat')
    const b = await openPeer(url, `/introduction/${bId}`)
    const doc = id('doc')
    for (let i = 0; i < 3; i++) {
      a.sendControl({ type: 'Heartbeat' })
      a.sendControl({ type: '❤️' })
    }
    a.sendControl({ type: 'Join', documentIds: [doc] })
    await eventually(() => relay.snapshot().documents.length === 1, 5_000, 'the Join')
    b.sendControl({ type: 'Join', documentIds: [doc] })
    // Anything said in answer to a heartbeat would arrive before this introduction.
    const [first] = await a.waitForMessages(1)
    expect(unpack(first!.data)).toEqual({ type: 'Introduction', peerId: bId, documentIds: [doc] })
    expect(a.closeCode).toBeUndefined()
    await Promise.all([a.close(), b.close()])
    await relayIsEmpty()
  })
})

describe('peer ids that are Object.prototype names', () => {
  it('treats __proto__, constructor, hasOwnProperty and toString as ordinary peers and documents', async () => {
    const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString']
    const peers = new Map<string, RawPeer>()
    for (const name of names) {
      const peer = await openPeer(url, `/introduction/${name}`)
      peer.sendControl({ type: 'Join', documentIds: ['__proto__', 'valueOf'] })
      await eventually(() => relay.snapshot().peers.some(p => p.id === name && p.documents.length === 2), 5_000, `${name} to join`)
      peers.set(name, peer)
    }
    const snapshot = relay.snapshot()
    expect(snapshot.peers.map(p => p.id).sort()).toEqual([...names].sort())
    expect(snapshot.documents.map(d => [d.id, [...d.peers].sort()]).sort()).toEqual([
      ['__proto__', [...names].sort()],
      ['valueOf', [...names].sort()],
    ])
    // Each was introduced to every other, on both documents.
    for (const name of names) {
      const peer = peers.get(name)!
      await peer.waitForMessages(names.length - 1)
      const introduced = peer.controlMessages().map(m => [m.peerId, m.documentIds])
      expect(introduced.map(([other]) => other).sort()).toEqual(names.filter(n => n !== name).sort())
      for (const [, documentIds] of introduced) expect(documentIds).toEqual(['__proto__', 'valueOf'])
    }
    // And they pipe to each other.
    const ab = await openPeer(url, '/connection/__proto__/constructor/__proto__')
    ab.send('from __proto__')
    const ba = await openPeer(url, '/connection/constructor/__proto__/__proto__')
    expect((await ba.waitForMessages(1)).map(m => m.data.toString())).toEqual(['from __proto__'])
    ba.send(Buffer.from('from constructor'))
    expect((await ab.waitForMessages(1)).map(m => [m.isBinary, m.data.toString()])).toEqual([[true, 'from constructor']])
    peers.get('hasOwnProperty')!.sendControl({ type: 'Leave', documentIds: ['__proto__', 'hasOwnProperty'] })
    await eventually(() => relay.snapshot().peers.find(p => p.id === 'hasOwnProperty')?.documents.length === 1, 5_000, 'the Leave')
    expect(({} as Record<string, unknown>).documents).toBeUndefined()
    await Promise.all([...peers.values(), ab, ba].map(peer => peer.close()))
    await relayIsEmpty()
    await assertRelayWorks(url)
  })
})

interface ProtocolError {
  name: string
  bytes: (maxPayload: number) => Buffer
  kind: 'protocolError' | 'invalidData' | 'tooBig'
}

const invalidUtf8 = Buffer.from([0x68, 0x69, 0xc3, 0x28, 0xff])

const protocolErrors: ProtocolError[] = [
  { name: 'an invalid-UTF-8 text frame', bytes: () => encodeFrame({ opcode: OP.text, payload: invalidUtf8 }), kind: 'invalidData' },
  {
    name: 'invalid UTF-8 split across fragments',
    bytes: () =>
      Buffer.concat([
        encodeFrame({ opcode: OP.text, payload: Buffer.from([0x61, 0xe2, 0x82]), fin: false }),
        encodeFrame({ opcode: OP.continuation, payload: Buffer.from([0x28]) }),
      ]),
    kind: 'invalidData',
  },
  { name: 'a reserved data opcode (3)', bytes: () => encodeFrame({ opcode: 0x3, payload: 'x' }), kind: 'protocolError' },
  { name: 'a reserved control opcode (0xB)', bytes: () => encodeFrame({ opcode: 0xb }), kind: 'protocolError' },
  { name: 'RSV1 without a negotiated extension', bytes: () => encodeFrame({ opcode: OP.binary, payload: 'x', rsv: 4 }), kind: 'protocolError' },
  { name: 'RSV2 and RSV3 set', bytes: () => encodeFrame({ opcode: OP.binary, payload: 'x', rsv: 3 }), kind: 'protocolError' },
  { name: 'an unmasked client frame', bytes: () => encodeFrame({ opcode: OP.binary, payload: 'x', mask: false }), kind: 'protocolError' },
  { name: 'a ping longer than 125 bytes', bytes: () => encodeFrame({ opcode: OP.ping, payload: Buffer.alloc(126) }), kind: 'protocolError' },
  { name: 'a fragmented ping', bytes: () => encodeFrame({ opcode: OP.ping, fin: false }), kind: 'protocolError' },
  { name: 'a continuation with nothing to continue', bytes: () => encodeFrame({ opcode: OP.continuation, payload: 'x' }), kind: 'protocolError' },
  {
    name: 'a new message inside a fragmented one',
    bytes: () =>
      Buffer.concat([encodeFrame({ opcode: OP.binary, payload: 'a', fin: false }), encodeFrame({ opcode: OP.binary, payload: 'b' })]),
    kind: 'protocolError',
  },
  { name: 'a close frame with a 1-byte payload', bytes: () => encodeFrame({ opcode: OP.close, payload: Buffer.from([3]) }), kind: 'protocolError' },
  { name: 'a close frame with code 1005', bytes: () => encodeFrame({ opcode: OP.close, payload: closePayload(1005) }), kind: 'protocolError' },
  { name: 'a close frame with code 999', bytes: () => encodeFrame({ opcode: OP.close, payload: closePayload(999, 'x') }), kind: 'protocolError' },
  {
    name: 'a close frame with an invalid-UTF-8 reason',
    bytes: () => encodeFrame({ opcode: OP.close, payload: closePayload(1000, invalidUtf8) }),
    kind: 'invalidData',
  },
  { name: 'a frame claiming 2^63 bytes', bytes: () => encodeFrameHeader(OP.binary, 2n ** 63n), kind: 'tooBig' },
  { name: 'a frame one byte over the size limit', bytes: max => encodeFrameHeader(OP.binary, BigInt(max) + 1n), kind: 'tooBig' },
  {
    name: 'fragments adding up to more than the size limit',
    bytes: max =>
      Buffer.concat([encodeFrame({ opcode: OP.binary, payload: Buffer.alloc(100), fin: false }), encodeFrameHeader(OP.continuation, BigInt(max))]),
    kind: 'tooBig',
  },
]

const expectedClose = (kind: ProtocolError['kind'], maxPayload: number) =>
  ({
    protocolError: { code: 1002, reason: 'WebSocket protocol error' },
    invalidData: { code: 1007, reason: 'invalid UTF-8 in a text frame' },
    tooBig: { code: 1009, reason: `message too big: limit is ${maxPayload} bytes` },
  })[kind]

describe('WebSocket protocol errors close the socket, never the relay', () => {
  describe.each(protocolErrors)('$name', ({ bytes, kind }) => {
    it('on an introduction socket that has joined a document', async () => {
      const max = relay.limits.maxControlMessageBytes
      const peerId = id('intro')
      const socket = await RawFrameSocket.open(url, `/introduction/${peerId}`)
      socket.sendBinary(pack({ type: 'Join', documentIds: [id('doc')] }))
      await eventually(() => relay.snapshot().documents.length === 1, 5_000, 'the Join')
      const before = refusals(kind)
      socket.write(bytes(max))
      expect(await socket.waitForClose()).toEqual(expectedClose(kind, max))
      await socket.waitForEnd()
      await relayIsEmpty()
      expect(refusals(kind)).toBe(before + 1)
      await assertRelayWorks(url)
    })

    it('on a waiting pipe socket holding messages', async () => {
      const max = relay.limits.maxPipeMessageBytes
      const [a, b, doc] = [id('a'), id('b'), id('doc')]
      const socket = await RawFrameSocket.open(url, `/connection/${a}/${b}/${doc}`)
      socket.sendText('held')
      await eventually(() => relay.snapshot().pipes[0]?.heldBytes === 4, 5_000, 'a held message')
      socket.write(bytes(max))
      expect(await socket.waitForClose()).toEqual(expectedClose(kind, max))
      await socket.waitForEnd()
      await relayIsEmpty()
      // The dead socket's pipe is gone: its partner now waits instead of pairing with it.
      const partner = await openPeer(url, `/connection/${b}/${a}/${doc}`)
      expect(relay.snapshot().pipes.map(p => [p.state, p.peers])).toEqual([['waiting', [b, a]]])
      await partner.close()
      await relayIsEmpty()
      await assertRelayWorks(url)
    })

    it('on a live pipe socket, closing its partner with 1000', async () => {
      const max = relay.limits.maxPipeMessageBytes
      const [a, b, doc] = [id('a'), id('b'), id('doc')]
      const partner = await openPeer(url, `/connection/${b}/${a}/${doc}`)
      const socket = await RawFrameSocket.open(url, `/connection/${a}/${b}/${doc}`)
      socket.sendText('before')
      expect((await partner.waitForMessages(1)).map(m => m.data.toString())).toEqual(['before'])
      socket.write(bytes(max))
      expect(await socket.waitForClose()).toEqual(expectedClose(kind, max))
      await partner.closed
      expect([partner.closeCode, partner.closeReason]).toEqual([1000, 'partner closed'])
      expect(partner.received).toHaveLength(1)
      await relayIsEmpty()
      await assertRelayWorks(url)
    })
  })
})

describe('connections that end badly', () => {
  const paths = () => {
    const [a, b, doc] = [id('a'), id('b'), id('doc')]
    return { introduction: `/introduction/${a}`, waiting: `/connection/${a}/${b}/${doc}`, partner: `/connection/${b}/${a}/${doc}` }
  }

  it.each(['introduction', 'waiting'] as const)('survives a %s socket reset (TCP RST) with data in flight', async which => {
    const path = paths()[which]
    const socket = await RawFrameSocket.open(url, path)
    if (which === 'introduction') socket.sendBinary(pack({ type: 'Join', documentIds: [id('doc')] }))
    socket.sendBinary(Buffer.alloc(1_000, 1))
    socket.write(encodeFrame({ opcode: OP.binary, payload: Buffer.alloc(5_000) }).subarray(0, 2_000))
    socket.socket.resetAndDestroy()
    await relayIsEmpty()
    await assertRelayWorks(url)
  })

  it('survives a live pipe socket dropped mid-frame, closing its partner', async () => {
    const { waiting, partner: partnerPath } = paths()
    const partner = await openPeer(url, partnerPath)
    const socket = await RawFrameSocket.open(url, waiting)
    socket.write(encodeFrame({ opcode: OP.text, payload: 'half a message' }).subarray(0, 8))
    socket.destroy()
    await partner.closed
    expect([partner.closeCode, partner.closeReason]).toEqual([1000, 'partner closed'])
    expect(partner.received).toEqual([])
    await relayIsEmpty()
    await assertRelayWorks(url)
  })

  it.each([
    ['an upgrade request followed at once by a reset', (path: string) => upgradeRequest(url, path), 'reset'],
    ['an upgrade request and a close in the same breath', (path: string) => upgradeRequest(url, path), 'end'],
    ['half an upgrade request', (path: string) => upgradeRequest(url, path).slice(0, 40), 'destroy'],
    ['an upgrade without Sec-WebSocket-Key', (path: string) => upgradeRequest(url, path).replace(/Sec-WebSocket-Key: .*\r\n/, ''), 'wait'],
    ['an upgrade for WebSocket version 8', (path: string) => upgradeRequest(url, path).replace('Version: 13', 'Version: 8'), 'wait'],
    ['a POST upgrade', (path: string) => upgradeRequest(url, path).replace('GET', 'POST'), 'wait'],
    ['garbage instead of HTTP', () => '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n', 'wait'],
    [
      'an upgrade request with an invalid frame right behind it',
      (path: string) => upgradeRequest(url, path) + encodeFrame({ opcode: OP.text, payload: invalidUtf8 }).toString('latin1'),
      'wait',
    ],
  ] as const)('survives %s', async (_name, request, ending) => {
    for (const path of Object.values(paths())) {
      const socket = await connectTcp(url)
      const closed = new Promise<void>(resolve => socket.once('close', () => resolve()))
      // Reads whatever comes back, so the relay's FIN is seen.
      socket.resume()
      socket.write(Buffer.from(request(path), 'latin1'))
      if (ending === 'reset') socket.resetAndDestroy()
      else if (ending === 'end') socket.end()
      else if (ending === 'destroy') socket.destroy()
      else {
        // The relay (or ws) answers and closes the connection by itself.
        socket.on('data', chunk => {
          if (chunk.includes('HTTP/1.1 101')) socket.write(encodeFrame({ opcode: OP.close, payload: closePayload(1000) }))
        })
      }
      await closed
    }
    await relayIsEmpty()
    await assertRelayWorks(url)
  })
})

describe('a protocol error on a socket the relay is already closing', () => {
  it('is not counted as a "partner closed" refusal (1000 is not a refusal)', async () => {
    const [a, b, doc] = [id('a'), id('b'), id('doc')]
    const partner = await openPeer(url, `/connection/${a}/${b}/${doc}`)
    // This side does not answer the relay's close frame, and keeps talking nonsense.
    const socket = await RawFrameSocket.open(url, `/connection/${b}/${a}/${doc}`, { answerClose: false })
    await eventually(() => relay.snapshot().pipes[0]?.state === 'live', 5_000, 'a live pipe')
    const before = relay.snapshot().totals
    await partner.close()
    expect(await socket.waitForClose()).toEqual({ code: 1000, reason: 'partner closed' })
    socket.sendText(invalidUtf8)
    await socket.waitForEnd()
    await relayIsEmpty()
    const { totals, events } = relay.snapshot()
    expect(totals.refusalsByKind.partnerClosed).toBeUndefined()
    expect(events.filter(e => e.kind === 'refusal' && e.code === 1000)).toEqual([])
    // It may be counted as what it is, an invalid frame, but only once.
    expect(totals.refusals - before.refusals).toBeLessThanOrEqual(1)
  })

  it('does not count a replaced introduction socket twice', async () => {
    const peerId = id('twice')
    const old = await RawFrameSocket.open(url, `/introduction/${peerId}`, { answerClose: false })
    const fresh = await openPeer(url, `/introduction/${peerId}`)
    expect(await old.waitForClose()).toEqual({ code: 4409, reason: 'replaced: a newer connection uses this peer id' })
    const before = relay.snapshot().totals.refusalsByKind.replaced ?? 0
    old.write(encodeFrame({ opcode: OP.binary, payload: 'x', mask: false }))
    await old.waitForEnd()
    await fresh.close()
    await relayIsEmpty()
    expect(relay.snapshot().totals.refusalsByKind.replaced ?? 0).toBe(before)
  })
})
