/**
 * One test per bug of the published @localfirst/relay server ("Bugs in the published server" in
 * the protocol doc), through real WebSockets on loopback. Limits and backpressure (7, 9) are
 * tested elsewhere.
 */
import { unpack } from 'msgpackr'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MALFORMED_TOLERANCE } from '../../shared/close-codes.js'
import { RelayServer } from '../../src-main/relay/relay-server.js'
import { OP, RawFrameSocket, assertRelayWorks, connectTcp, upgradeReply } from '../helpers/frames.js'
import { RawPeer, eventually, openPeer, startRelay, type Received } from '../helpers/relay.js'

let relay: RelayServer
let url: string
const cleanup: (() => unknown)[] = []

beforeEach(async () => {
  ;({ relay, url } = await startRelay())
})

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
  await relay.close()
})

/** Opens a raw peer that is closed after the test. */
async function peer(path: string): Promise<RawPeer> {
  const opened = await openPeer(url, path)
  cleanup.push(() => opened.close())
  return opened
}

async function rawSocket(path: string, options: { answerClose?: boolean; autoPong?: boolean } = {}): Promise<RawFrameSocket> {
  const socket = await RawFrameSocket.open(url, path, options)
  cleanup.push(() => socket.destroy())
  return socket
}

const shape = (messages: Received[]) => messages.map(m => `${m.isBinary ? 'bin' : 'txt'}:${m.data.toString('hex')}`)
const sockets = () => relay.snapshot().counts.sockets

describe('bug 1: held messages are delivered byte-for-byte with their opcode', () => {
  it('delivers what a waiting socket sent, in order, with the original opcode and bytes', async () => {
    const early: [Buffer | string, boolean][] = [
      ['hi', false],
      [Buffer.from([0xa2, 0x68, 0x69]), true],
      ['', false],
      [Buffer.alloc(0), true],
      ['€ 😀 ünïcödé', false],
      [Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)), true],
      ['{"type":"Join"}', false],
    ]
    const waiting = await peer('/connection/alice/bob/doc')
    for (const [data, binary] of early) waiting.send(data, binary)
    // Waiting for the relay to hold them all makes sure they are held, not forwarded.
    const total = early.reduce((sum, [data]) => sum + Buffer.byteLength(data), 0)
    await eventually(() => relay.snapshot().pipes[0]?.heldBytes === total, 5_000, 'all messages held')
    const partner = await peer('/connection/bob/alice/doc')
    waiting.send('after pairing')
    const expected = [...early, ['after pairing', false] as const].map(([data, binary]) => ({
      data: typeof data === 'string' ? Buffer.from(data) : data,
      isBinary: binary,
    }))
    const got = await partner.waitForMessages(expected.length)
    expect(shape(got)).toEqual(shape(expected))
    partner.send('back')
    expect(shape(await waiting.waitForMessages(1))).toEqual([`txt:${Buffer.from('back').toString('hex')}`])
    const pipe = relay.snapshot().pipes[0]!
    expect(pipe.state).toBe('live')
    expect(pipe.messages).toEqual([expected.length, 1])
    expect(pipe.heldBytes).toBe(0)
  })

  it('keeps holding until the partner answers its first ping, then delivers in order', async () => {
    const waiting = await peer('/connection/alice/bob/doc')
    waiting.send('one')
    // This partner does not answer pings, so the relay may not send it anything yet.
    const partner = await rawSocket('/connection/bob/alice/doc', { autoPong: false })
    waiting.send(Buffer.from([1, 2, 3]))
    await eventually(() => relay.snapshot().pipes[0]?.state === 'live' && relay.snapshot().pipes[0]?.heldBytes === 6, 5_000, 'a live pipe holding 6 bytes')
    expect(partner.messages()).toEqual([])
    const ping = partner.frames.find(frame => frame.opcode === OP.ping)
    expect(ping).toBeDefined()
    partner.send({ opcode: OP.pong, payload: ping!.payload })
    waiting.send('three')
    const got = await partner.waitForMessages(3)
    expect(got.map(f => [f.opcode, f.payload.toString('hex')])).toEqual([
      [OP.text, Buffer.from('one').toString('hex')],
      [OP.binary, '010203'],
      [OP.text, Buffer.from('three').toString('hex')],
    ])
    partner.close()
    await waiting.closed
    expect([waiting.closeCode, waiting.closeReason]).toEqual([1000, 'partner closed'])
  })
})

describe('bug 2: a late close of an older introduction socket does not orphan the newer one', () => {
  it('replaces the old socket (4409) and keeps the new registration after the old one finally closes', async () => {
    // The old socket ignores the relay's close frame, so its close arrives only when we drop it.
    const old = await rawSocket('/introduction/pat', { answerClose: false })
    const other = await peer('/introduction/quinn')
    old.send({ opcode: OP.binary, payload: Buffer.from('81a474797065a9486561727462656174', 'hex') }) // {type:'Heartbeat'}
    const fresh = await peer('/introduction/pat')
    expect(await old.waitForClose()).toEqual({ code: 4409, reason: 'replaced: a newer connection uses this peer id' })
    // The displaced socket's last words: a Join that must not reach the new owner of the id.
    old.send({ opcode: OP.binary, payload: packJoin(['stale-doc']) })
    old.destroy()
    await eventually(() => sockets() === 2, 5_000, 'the old socket to be gone')

    const snapshot = relay.snapshot()
    expect(snapshot.peers.map(p => [p.id, p.documents]).sort()).toEqual([
      ['pat', []],
      ['quinn', []],
    ])
    expect(snapshot.documents).toEqual([])
    expect(snapshot.totals.refusalsByKind.replaced).toBe(1)

    fresh.sendControl({ type: 'Join', documentIds: ['doc'] })
    other.sendControl({ type: 'Join', documentIds: ['doc'] })
    expect(unpack((await fresh.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: 'quinn', documentIds: ['doc'] })
    expect(unpack((await other.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: 'pat', documentIds: ['doc'] })
    expect(fresh.closeCode).toBeUndefined()
  })

  it('keeps the new registration once the replaced socket has finished its close handshake', async () => {
    const old = await peer('/introduction/pat')
    old.sendControl({ type: 'Join', documentIds: ['doc'] })
    await eventually(() => relay.snapshot().documents.length === 1, 5_000, 'the Join')
    const fresh = await peer('/introduction/pat')
    await old.closed
    expect(old.closeCode).toBe(4409)
    await eventually(() => sockets() === 1, 5_000, 'the old socket to be gone')
    // The old socket's documents went with it; the new one starts clean and is introduced again.
    expect(relay.snapshot().peers.map(p => [p.id, p.documents])).toEqual([['pat', []]])
    fresh.sendControl({ type: 'Join', documentIds: ['doc'] })
    const other = await peer('/introduction/quinn')
    other.sendControl({ type: 'Join', documentIds: ['doc'] })
    expect(unpack((await fresh.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: 'quinn', documentIds: ['doc'] })
  })
})

describe('bug 4: a Join without documentIds is rejected, not stored as [undefined]', () => {
  it('ignores it, introduces nobody on a document named "undefined", and closes 4400 and penalises the peer id once they keep coming', async () => {
    const watcher = await peer('/introduction/watcher')
    watcher.sendControl({ type: 'Join', documentIds: ['undefined'] })
    const bad = await peer('/introduction/sloppy')
    bad.sendControl({ type: 'Join' })
    await eventually(() => relay.snapshot().totals.ignoredMessages === 1, 5_000, 'the bad Join to be ignored')
    expect(relay.snapshot().events.at(-1)).toMatchObject({ kind: 'ignored', peerId: 'sloppy', reason: 'Join.documentIds must be an array' })

    // Had the bad Join been stored, the watcher's first introduction would name "sloppy".
    const late = await peer('/introduction/late')
    late.sendControl({ type: 'Join', documentIds: ['undefined'] })
    const [first] = await watcher.waitForMessages(1)
    expect(unpack(first!.data)).toEqual({ type: 'Introduction', peerId: 'late', documentIds: ['undefined'] })
    expect(unpack((await late.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: 'watcher', documentIds: ['undefined'] })
    const snapshot = relay.snapshot()
    expect(snapshot.documents).toEqual([{ id: 'undefined', peers: expect.arrayContaining(['watcher', 'late']) }])
    expect(snapshot.peers.map(p => [p.id, p.documents]).sort()).toEqual([['late', ['undefined']], ['sloppy', []], ['watcher', ['undefined']]])
    expect(bad.received).toEqual([])

    for (let i = 0; i < MALFORMED_TOLERANCE.messages; i++) bad.sendControl({ type: 'Join' })
    await bad.closed
    expect([bad.closeCode, bad.closeReason]).toEqual([4400, 'malformed message: more than 5 in 10 s, last: Join.documentIds must be an array'])
    // The peer id that sent them is refused before its socket opens, with a Retry-After.
    const reply = await upgradeReply(url, '/introduction/sloppy')
    expect(reply.status).toBe(429)
    expect(reply.headers['retry-after']).toBe('1')
    expect(reply.body).toMatch(/^4430 retry later: /)
    expect(relay.snapshot().totals.refusalsByKind).toMatchObject({ malformed: 1, penalty: 1 })
  })

  it.each([
    ['documentIds is a string', { type: 'Join', documentIds: 'doc' }, 'Join.documentIds must be an array'],
    ['documentIds is null', { type: 'Join', documentIds: null }, 'Join.documentIds must be an array'],
    ['documentIds is a map', { type: 'Join', documentIds: { 0: 'doc' } }, 'Join.documentIds must be an array'],
    ['documentIds holds a nil', { type: 'Join', documentIds: [null] }, 'Join.documentIds must hold non-empty strings'],
    ['documentIds holds a number', { type: 'Join', documentIds: [7] }, 'Join.documentIds must hold non-empty strings'],
    ['documentIds holds an empty string', { type: 'Join', documentIds: [''] }, 'Join.documentIds must hold non-empty strings'],
    ['documentIds holds an array', { type: 'Join', documentIds: [['doc']] }, 'Join.documentIds must hold non-empty strings'],
    ['one good id and one bad', { type: 'Join', documentIds: ['doc', 1] }, 'Join.documentIds must hold non-empty strings'],
    ['Leave without documentIds', { type: 'Leave' }, 'Leave.documentIds must be an array'],
  ])('ignores a control message where %s, joining nothing', async (_name, message, why) => {
    const good = await peer('/introduction/good')
    good.sendControl({ type: 'Join', documentIds: ['doc'] })
    await eventually(() => relay.snapshot().documents.length === 1, 5_000, 'the good Join')
    const before = relay.snapshot().totals.ignoredMessages
    const bad = await peer('/introduction/bad')
    bad.sendControl(message)
    await eventually(() => relay.snapshot().totals.ignoredMessages === before + 1, 5_000, 'the bad message to be ignored')
    const { peers, events } = relay.snapshot()
    expect(bad.closeCode).toBeUndefined()
    expect(events.at(-1)).toMatchObject({ kind: 'ignored', peerId: 'bad', reason: expect.stringContaining(why) })
    expect(peers.map(p => [p.id, p.documents]).sort()).toEqual([['bad', []], ['good', ['doc']]])
    // Events are recorded as things happen: a partly applied Join would show here.
    expect(events.filter(e => e.peerId === 'bad' && (e.kind === 'join' || e.kind === 'introduction'))).toEqual([])
    expect(events.filter(e => e.kind === 'introduction')).toEqual([])
  })
})

describe('bug 5: pipe keys cannot collide, whatever the ids contain', () => {
  it('does not pair a:b→c with b:c→a (both "a:b:c:d" when joined with ":")', async () => {
    const x = await peer('/connection/a:b/c/d')
    x.send('from a:b to c')
    // With a key joined by ':', this socket would look up "a:b:c:d" and find x.
    const y = await peer('/connection/b:c/a/d')
    y.send('from b:c to a')
    let pipes = relay.snapshot().pipes
    expect(pipes.map(p => [p.state, p.peers]).sort()).toEqual([
      ['waiting', ['a:b', 'c']],
      ['waiting', ['b:c', 'a']],
    ])
    expect(x.received).toEqual([])
    expect(y.received).toEqual([])

    const c = await peer('/connection/c/a:b/d')
    const a = await peer('/connection/a/b:c/d')
    expect((await c.waitForMessages(1)).map(m => m.data.toString())).toEqual(['from a:b to c'])
    expect((await a.waitForMessages(1)).map(m => m.data.toString())).toEqual(['from b:c to a'])
    c.send('to a:b')
    a.send('to b:c')
    expect((await x.waitForMessages(1)).map(m => m.data.toString())).toEqual(['to a:b'])
    expect((await y.waitForMessages(1)).map(m => m.data.toString())).toEqual(['to b:c'])
    pipes = relay.snapshot().pipes
    expect(pipes.map(p => [p.state, p.peers]).sort()).toEqual([
      ['live', ['a:b', 'c']],
      ['live', ['b:c', 'a']],
    ])
  })

  it('keeps apart every socket whose lookup would read "p:q:r:s" with a ":"-joined key', async () => {
    const x = await peer('/connection/p/q:r/s') // waits under p:q:r:s
    const y = await peer('/connection/q/p/r:s') // would look up p:q:r:s
    const z = await peer('/connection/r/p:q/s') // would look up p:q:r:s
    const quoted = await peer('/connection/%22p%22%2C%22q/r/s') // JSON punctuation in an id: "p","q
    expect(relay.snapshot().pipes.map(p => [p.state, p.peers, p.documentId])).toEqual([
      ['waiting', ['p', 'q:r'], 's'],
      ['waiting', ['q', 'p'], 'r:s'],
      ['waiting', ['r', 'p:q'], 's'],
      ['waiting', ['"p","q', 'r'], 's'],
    ])
    // x's real partner still finds it.
    const partner = await peer('/connection/q:r/p/s')
    x.send('to q:r')
    expect((await partner.waitForMessages(1)).map(m => m.data.toString())).toEqual(['to q:r'])
    const other = await peer('/connection/r/%22p%22%2C%22q/s')
    quoted.send('to r')
    expect((await other.waitForMessages(1)).map(m => m.data.toString())).toEqual(['to r'])
    expect(relay.snapshot().pipes.map(p => p.state).sort()).toEqual(['live', 'live', 'waiting', 'waiting'])
    for (const socket of [y, z]) expect([socket.closeCode, socket.received]).toEqual([undefined, []])
  })

  it('introduces peers whose ids contain ":" under their exact ids', async () => {
    const ab = await peer('/introduction/a:b')
    const a = await peer('/introduction/a')
    ab.sendControl({ type: 'Join', documentIds: ['c:d'] })
    a.sendControl({ type: 'Join', documentIds: ['b:c:d'] })
    const c = await peer('/introduction/c')
    c.sendControl({ type: 'Join', documentIds: ['c:d', 'b:c:d'] })
    expect(unpack((await ab.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: 'c', documentIds: ['c:d'] })
    expect(unpack((await a.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: 'c', documentIds: ['b:c:d'] })
    const toC = (await c.waitForMessages(2)).map(m => unpack(m.data))
    expect(toC).toEqual(
      expect.arrayContaining([
        { type: 'Introduction', peerId: 'a:b', documentIds: ['c:d'] },
        { type: 'Introduction', peerId: 'a', documentIds: ['b:c:d'] },
      ]),
    )
  })
})

describe('bug 6: no stale listener leaks an old pairing into a later one with the same key', () => {
  it('delivers each message of the second pairing exactly once, and nothing from the first', async () => {
    const a1 = await peer('/connection/a/b/doc')
    // b1 ignores the relay's close frame, so it lingers after its pairing is over.
    const b1 = await rawSocket('/connection/b/a/doc', { answerClose: false })
    a1.send('first pairing')
    expect((await b1.waitForMessages(1)).map(f => f.payload.toString())).toEqual(['first pairing'])
    await a1.close()
    expect(await b1.waitForClose()).toEqual({ code: 1000, reason: 'partner closed' })

    const a2 = await peer('/connection/a/b/doc')
    const b2 = await peer('/connection/b/a/doc')
    expect(relay.snapshot().pipes.map(p => p.state)).toEqual(['live'])
    // The lingering socket talks, then goes; the relay must have read it all before its close.
    b1.sendText('stale')
    b1.sendBinary(Buffer.from('stale'))
    b1.destroy()
    await eventually(() => sockets() === 2, 5_000, 'the lingering socket to be gone')
    b2.send('fresh')
    // Anything leaked from b1 was sent to a2 before "fresh", on the same connection.
    expect((await a2.waitForMessages(1)).map(m => m.data.toString())).toEqual(['fresh'])
    a2.send('reply')
    expect((await b2.waitForMessages(1)).map(m => m.data.toString())).toEqual(['reply'])
    b2.send('last')
    await a2.waitForMessages(2)
    expect(a2.received.map(m => m.data.toString())).toEqual(['fresh', 'last'])
    expect(b2.received.map(m => m.data.toString())).toEqual(['reply'])
    expect(a1.received).toEqual([])
    expect(relay.snapshot().pipes.map(p => [p.state, p.messages])).toEqual([['live', [1, 2]]])
  })

  it('keeps a replaced waiting socket (4409) out of the pipe that replaced it', async () => {
    const w1 = await rawSocket('/connection/a/b/doc', { answerClose: false })
    w1.sendText('from the first socket')
    await eventually(() => relay.snapshot().pipes[0]?.heldBytes === 21, 5_000, 'the first message held')
    const w2 = await peer('/connection/a/b/doc')
    expect(await w1.waitForClose()).toEqual({ code: 4409, reason: 'replaced: a newer connection for the same pipe' })
    w1.sendText('after being replaced')
    w1.destroy()
    await eventually(() => sockets() === 1, 5_000, 'the replaced socket to be gone')
    w2.send('from the second socket')
    const partner = await peer('/connection/b/a/doc')
    expect((await partner.waitForMessages(1)).map(m => m.data.toString())).toEqual(['from the second socket'])
    partner.send('hello')
    await w2.waitForMessages(1)
    w2.send('end')
    await partner.waitForMessages(2)
    expect(partner.received.map(m => m.data.toString())).toEqual(['from the second socket', 'end'])
  })
})

describe('a waiting socket the relay has given up on is no partner for anyone', () => {
  it.each([
    ['hold timeout', { holdTimeoutMs: 200 }, 4408, ''],
    ['hold overflow', { maxHeldBytes: 1_000, holdPauseBytes: 500 }, 4413, 'x'.repeat(1_500)],
  ])('after a %s, a late partner waits instead of pairing with the closing socket', async (_name, limits, code, payload) => {
    const own = await startRelay(limits)
    const sockets: { close(): unknown }[] = []
    try {
      // It does not answer the close frame, so it stays around, closing, for a while.
      const doomed = await RawFrameSocket.open(own.url, '/connection/a/b/doc', { answerClose: false })
      sockets.push({ close: () => doomed.destroy() })
      if (payload) doomed.sendText(payload)
      expect((await doomed.waitForClose()).code).toBe(code)
      expect(own.relay.snapshot().pipes).toEqual([])
      const late = await openPeer(own.url, '/connection/b/a/doc')
      sockets.push(late)
      late.send('for a live partner only')
      expect(own.relay.snapshot().pipes.map(p => [p.state, p.peers])).toEqual([['waiting', ['b', 'a']]])
      const fresh = await openPeer(own.url, '/connection/a/b/doc')
      sockets.push(fresh)
      expect((await fresh.waitForMessages(1)).map(m => m.data.toString())).toEqual(['for a live partner only'])
      expect(doomed.messages()).toEqual([])
    } finally {
      for (const socket of sockets) await socket.close()
      await own.relay.close()
    }
  })
})

describe('bug 8: close() frees the port', () => {
  it('lets a new relay listen on the same port at once, even with sockets and half-done handshakes open', async () => {
    const port = Number(new URL(url).port)
    const intro = await openPeer(url, '/introduction/left-open')
    intro.sendControl({ type: 'Join', documentIds: ['doc'] })
    const waiting = await openPeer(url, '/connection/x/y/doc')
    const live = [await openPeer(url, '/connection/p/q/doc'), await openPeer(url, '/connection/q/p/doc')]
    const idle = await connectTcp(url)
    const halfRequest = await connectTcp(url)
    halfRequest.write('GET /introduction/slow HTTP/1.1\r\nHost: x\r\n')
    await eventually(() => relay.snapshot().counts.sockets === 4, 5_000, 'four sockets')

    await relay.close()
    for (const socket of [intro, waiting, ...live]) {
      await socket.closed
      expect(socket.closeCode).toBe(1001)
    }
    expect(relay.listening).toBeUndefined()

    const again = new RelayServer({ host: '127.0.0.1', port })
    try {
      expect((await again.listen()).port).toBe(port)
      await assertRelayWorks(`ws://127.0.0.1:${port}`)
    } finally {
      await again.close()
      idle.destroy()
      halfRequest.destroy()
    }
  })

  it('resolves close() and frees the port even when a client breaks the protocol during shutdown', async () => {
    const port = Number(new URL(url).port)
    // These clients do not answer the relay's close frame, so they are still there during the grace period.
    const intro = await rawSocket('/introduction/unruly', { answerClose: false })
    const pipe = await rawSocket('/connection/x/y/doc', { answerClose: false })
    const closing = relay.close()
    const outcome = closing.then(
      () => 'resolved',
      (error: Error) => `rejected: ${error.message}`,
    )
    expect((await intro.waitForClose()).code).toBe(1001)
    expect((await pipe.waitForClose()).code).toBe(1001)
    intro.send({ opcode: OP.ping, fin: false })
    pipe.sendText(Buffer.from([0xc3, 0x28]))
    expect(await outcome).toBe('resolved')
    await Promise.all([intro.waitForEnd(), pipe.waitForEnd()])
    const again = new RelayServer({ host: '127.0.0.1', port })
    try {
      expect((await again.listen()).port).toBe(port)
    } finally {
      await again.close()
    }
  })
})

/** MessagePack for {type:'Join', documentIds}, written without msgpackr so the bytes are plain. */
function packJoin(documentIds: string[]): Buffer {
  const str = (s: string) => Buffer.concat([Buffer.from([0xa0 | Buffer.byteLength(s)]), Buffer.from(s)])
  return Buffer.concat([
    Buffer.from([0x82]),
    str('type'),
    str('Join'),
    str('documentIds'),
    Buffer.from([0x90 | documentIds.length]),
    ...documentIds.map(str),
  ])
}
