/**
 * A bounded fuzz test: thousands of random operations against one relay — valid and broken control
 * messages, random MessagePack values, raw frames that break the WebSocket protocol, random paths,
 * sockets closed, dropped or reset at random moments (mid-handshake, while held, mid-frame). The
 * relay's timers run fast so hold timeouts and ping reaping happen during the run too.
 *
 * Afterwards the process is alive, the model is consistent and, once every socket is gone, empty,
 * and a fresh pair is introduced and piped.
 *
 * The operations come from a seeded PRNG; the seed is printed. Reproduce with FUZZ_SEED=<seed>
 * (timing still varies, so a reproduction is likely rather than certain). FUZZ_OPS sets the count.
 */
import { pack, unpack } from 'msgpackr'
import type net from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { RelaySnapshot } from '../../shared/relay-model.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import {
  OP,
  RawFrameSocket,
  assertRelayWorks,
  closePayload,
  connectTcp,
  encodeFrame,
  encodeFrameHeader,
  httpGet,
  upgradeRequest,
  type FrameOptions,
} from '../helpers/frames.js'
import { RawPeer, eventually, startRelay } from '../helpers/relay.js'

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32))
const OPERATIONS = Number(process.env.FUZZ_OPS ?? 2_000)
const MAX_IN_FLIGHT = 12
const MAX_ACTORS = 80

const LIMITS = {
  maxControlMessageBytes: 16 * 1024,
  maxPipeMessageBytes: 256 * 1024,
  holdPauseBytes: 64 * 1024,
  maxHeldBytes: 512 * 1024,
  holdTimeoutMs: 400,
  pipeHighWaterMark: 64 * 1024,
  pingIntervalMs: 1_000,
  maxDocumentsPerPeer: 50,
}

/** mulberry32: small, fast and good enough to pick operations. */
function prng(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!
  const chance = (p: number) => next() < p
  const bytes = (n: number) => {
    const out = Buffer.alloc(n)
    for (let i = 0; i < n; i++) out[i] = int(256)
    return out
  }
  /** Picks a key of `weights` with probability proportional to its weight. */
  const weighted = <K extends string>(weights: Record<K, number>): K => {
    const entries = Object.entries(weights) as [K, number][]
    let roll = next() * entries.reduce((sum, [, w]) => sum + w, 0)
    for (const [key, w] of entries) if ((roll -= w) < 0) return key
    return entries[0]![0]
  }
  return { next, int, pick, chance, bytes, weighted }
}

type Rng = ReturnType<typeof prng>

const PEER_IDS = [
  ...Array.from({ length: 30 }, (_, i) => `peer${i}`),
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'a:b',
  'a',
  'b:c',
  'x y',
  'é😀',
]
const DOC_IDS = ['doc0', 'doc1', 'doc2', 'doc3', '__proto__', 'valueOf', 'c:d', 'd', 'undefined', 'null', 'd o c']

function pathId(rng: Rng, id: string): string {
  if (rng.chance(0.8)) return encodeURIComponent(id)
  return encodeURIComponent(id).replace(/[a-z]/g, c => (rng.chance(0.3) ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c))
}

function introductionPath(rng: Rng, peerId: string): string {
  const word = rng.chance(0.9) ? 'introduction' : rng.pick(['INTRODUCTION', 'Introduction', '/introduction'])
  return `/${word}/${pathId(rng, peerId)}${rng.chance(0.1) ? '/' : ''}${rng.chance(0.1) ? '?x=1' : ''}`
}

function connectionPath(rng: Rng, from: string, to: string, doc: string): string {
  const word = rng.chance(0.9) ? 'connection' : rng.pick(['CONNECTION', 'Connection', '/connection'])
  return `/${word}/${pathId(rng, from)}/${pathId(rng, to)}/${pathId(rng, doc)}${rng.chance(0.1) ? '/' : ''}`
}

/** Any path at all, mostly near-misses of the real ones, sometimes bytes HTTP does not allow. */
function randomPath(rng: Rng): string {
  const parts = ['introduction', 'connection', 'INTRODUCTION', '', '..', '.', '%', '%2', '%zz', '%00', '%FF', '%C3%28', '?', '??', '#', 'x'.repeat(rng.int(700))]
  const segments = Array.from({ length: rng.int(6) }, () => (rng.chance(0.6) ? rng.pick(parts) : rng.pick(PEER_IDS)))
  let path = '/'.repeat(1 + rng.int(3)) + segments.join('/')
  if (rng.chance(0.1)) path += '/'.repeat(rng.int(4))
  if (rng.chance(0.1)) path += '?' + segments.join('&')
  if (rng.chance(0.05)) path = rng.bytes(1 + rng.int(40)).toString('latin1') // may be refused by the HTTP parser
  return path
}

/** Random MessagePack-able values: nested, huge, odd types. */
function randomValue(rng: Rng, depth = 0): unknown {
  const kind = rng.weighted({
    nil: 2,
    bool: 1,
    int: 2,
    bigint: 1,
    float: 1,
    string: 3,
    hugeString: depth === 0 ? 0.3 : 0.05,
    binary: 1,
    date: 0.5,
    array: depth < 6 ? 2 : 0,
    hugeArray: depth < 2 ? 0.2 : 0,
    map: depth < 6 ? 3 : 0,
    jsMap: depth < 4 ? 0.5 : 0,
    set: depth < 4 ? 0.3 : 0,
    typed: 0.3,
  })
  switch (kind) {
    case 'nil':
      return rng.chance(0.5) ? null : undefined
    case 'bool':
      return rng.chance(0.5)
    case 'int':
      return rng.pick([0, -1, 1, 127, 128, 255, 256, 65535, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, rng.int(1e9) - 5e8])
    case 'bigint':
      return rng.pick([2n ** 63n - 1n, -(2n ** 63n), 12345678901234567890n])
    case 'float':
      return rng.pick([0.5, -0, NaN, Infinity, -Infinity, 1e308, rng.next()])
    case 'string':
      return rng.pick(['', 'type', 'Join', 'Leave', 'Heartbeat', '❤️', 'Introduction', 'documentIds', '__proto__', '\u0000', '\ud800', '😀'.repeat(rng.int(50)), ...DOC_IDS])
    case 'hugeString':
      return 'x'.repeat(1_000 + rng.int(30_000))
    case 'binary':
      return rng.bytes(rng.int(300))
    case 'date':
      return new Date(rng.int(2 ** 40))
    case 'array':
      return Array.from({ length: rng.int(6) }, () => randomValue(rng, depth + 1))
    case 'hugeArray':
      return Array.from({ length: 500 + rng.int(5_000) }, () => (rng.chance(0.9) ? rng.pick(DOC_IDS) : randomValue(rng, 5)))
    case 'map': {
      const map: Record<string, unknown> = {}
      const keys = ['type', 'documentIds', 'peerId', '__proto__', 'constructor', 'toString', 'x', '']
      for (let i = rng.int(5); i > 0; i--) map[rng.pick(keys)] = randomValue(rng, depth + 1)
      return map
    }
    case 'jsMap':
      return new Map(Array.from({ length: rng.int(4) }, () => [randomValue(rng, 5), randomValue(rng, depth + 1)]))
    case 'set':
      return new Set(Array.from({ length: rng.int(4) }, () => rng.pick(DOC_IDS)))
    case 'typed':
      return rng.pick([new Uint8Array(rng.int(20)), new Float64Array(rng.int(5)), new Int32Array(3)])
  }
}

/** One control frame's payload: mostly valid, often odd, sometimes plain garbage. */
function controlPayload(rng: Rng): { data: Buffer; binary: boolean } {
  const docs = () => Array.from({ length: 1 + rng.int(3) }, () => rng.pick(DOC_IDS))
  const kind = rng.weighted({ join: 35, leave: 8, heartbeat: 10, oddJoin: 8, value: 6, ext: 3, garbage: 3, text: 2, tooBig: 1 })
  const packed = (value: unknown): Buffer => {
    try {
      return pack(value)
    } catch {
      return Buffer.from([0xc0])
    }
  }
  switch (kind) {
    case 'join':
      return { data: pack({ type: 'Join', documentIds: docs() }), binary: true }
    case 'leave':
      return { data: pack({ type: 'Leave', documentIds: docs() }), binary: true }
    case 'heartbeat':
      return { data: pack({ type: rng.pick(['Heartbeat', '❤️']) }), binary: true }
    case 'oddJoin':
      return { data: packed({ type: rng.pick(['Join', 'Leave']), documentIds: randomValue(rng, 1), ...(rng.chance(0.3) ? { extra: randomValue(rng, 3) } : {}) }), binary: true }
    case 'value':
      return { data: packed(randomValue(rng)), binary: true }
    case 'ext': {
      const payload = rng.bytes(rng.pick([1, 2, 4, 8, 16, rng.int(40)]))
      const type = rng.int(256)
      const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }
      const head = fixed[payload.length] !== undefined ? [fixed[payload.length]!, type] : [0xc7, payload.length, type]
      const ext = Buffer.concat([Buffer.from(head), payload])
      // Bare, or as the documentIds of a Join: {type:'Join', documentIds:<ext>}.
      const join = Buffer.concat([Buffer.from([0x82]), pack('type'), pack('Join'), pack('documentIds'), ext])
      return { data: rng.chance(0.5) ? ext : join, binary: true }
    }
    case 'garbage':
      return { data: rng.bytes(rng.int(64)), binary: true }
    case 'text':
      return { data: rng.chance(0.5) ? Buffer.from(JSON.stringify({ type: 'Join', documentIds: docs() })) : rng.bytes(rng.int(20)), binary: false }
    case 'tooBig':
      return { data: pack({ type: 'Join', documentIds: ['x'.repeat(LIMITS.maxControlMessageBytes)] }), binary: true }
  }
}

/**
 * A pipe message, text or binary, empty to larger than the limit. Non-empty ones carry a tag
 * `FZ|<sender>|<seq>|<T or B>|<body length>|` and a body derived from it, so a receiver can tell
 * who sent it, in what order, and whether the bytes and opcode arrived intact.
 */
function pipePayload(rng: Rng, sender: number, seq: number): { data: Buffer | string; binary: boolean } {
  const size = rng.weighted({ empty: 1, small: 8, medium: 2, large: 0.5 })
  const length = { empty: 0, small: rng.int(100), medium: rng.int(20_000), large: rng.int(LIMITS.maxPipeMessageBytes + 1024) }[size]
  const binary = rng.chance(0.6)
  if (length === 0) return { data: binary ? Buffer.alloc(0) : '', binary }
  const head = `FZ|${sender}|${seq}|${binary ? 'B' : 'T'}|${length}|`
  return binary ? { data: Buffer.concat([Buffer.from(head), binaryBody(length, seq)]), binary } : { data: head + 'é'.repeat(length >> 1), binary }
}

const binaryBody = (length: number, seq: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seq) & 0xff))

/** Reads a tag back; undefined for untagged (empty or hand-made) messages. Throws if the body is damaged. */
function readTag(data: Buffer, isBinary: boolean): { sender: number; seq: number } | undefined {
  if (data.length === 0 || data.subarray(0, 3).toString() !== 'FZ|') return undefined
  const text = data.subarray(0, 60).toString('latin1')
  const match = /^FZ\|(\d+)\|(\d+)\|([TB])\|(\d+)\|/.exec(text)
  if (!match) throw new Error(`damaged tag: ${JSON.stringify(text)}`)
  const [head, sender, seq, kind, length] = match
  const body = data.subarray(head.length)
  const expected = kind === 'B' ? binaryBody(Number(length), Number(seq)) : Buffer.from('é'.repeat(Number(length) >> 1))
  if ((kind === 'B') !== isBinary) throw new Error(`${head} arrived as ${isBinary ? 'binary' : 'text'}`)
  if (!body.equals(expected)) throw new Error(`${head} arrived with a damaged body (${body.length} bytes)`)
  return { sender: Number(sender), seq: Number(seq) }
}

/** A raw frame, usually breaking the protocol one way or another. */
function badFrames(rng: Rng, maxPayload: number): Buffer {
  const options: FrameOptions[] = []
  switch (rng.int(14)) {
    case 0:
      options.push({ opcode: OP.text, payload: Buffer.from([0xc3, 0x28]) })
      break
    case 1:
      options.push({ opcode: rng.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]), payload: rng.bytes(rng.int(10)) })
      break
    case 2:
      options.push({ opcode: OP.binary, payload: rng.bytes(5), rsv: 1 + rng.int(7) })
      break
    case 3:
      options.push({ opcode: rng.pick([OP.binary, OP.text, OP.ping]), payload: 'abc', mask: false })
      break
    case 4:
      options.push({ opcode: OP.ping, payload: rng.bytes(126 + rng.int(200)) })
      break
    case 5:
      options.push({ opcode: OP.ping, fin: false })
      break
    case 6:
      options.push({ opcode: OP.continuation, payload: 'x' })
      break
    case 7:
      options.push({ opcode: OP.binary, payload: 'a', fin: false }, { opcode: OP.text, payload: 'b' })
      break
    case 8:
      options.push({ opcode: OP.close, payload: rng.chance(0.5) ? Buffer.from([1]) : closePayload(rng.pick([0, 999, 1004, 1005, 1006, 1016, 2999, 5000]), 'r') })
      break
    case 9:
      options.push({ opcode: OP.close, payload: closePayload(1000, Buffer.from([0xff, 0xfe])) })
      break
    case 10:
      return encodeFrameHeader(OP.binary, rng.chance(0.5) ? 2n ** 63n + BigInt(rng.int(1000)) : BigInt(maxPayload + 1))
    case 11:
      // Valid fragments, then one that is not.
      options.push({ opcode: OP.binary, payload: rng.bytes(10), fin: false }, { opcode: OP.continuation, payload: rng.bytes(10), fin: false }, { opcode: OP.ping, payload: 'p' }, { opcode: 0x3 })
      break
    case 12:
      // Valid frames: fragmented text with a ping between, an unsolicited pong.
      options.push({ opcode: OP.text, payload: 'frag', fin: false }, { opcode: OP.ping, payload: 'p' }, { opcode: OP.continuation, payload: 'ment' }, { opcode: OP.pong })
      break
    default:
      return rng.bytes(1 + rng.int(40))
  }
  return Buffer.concat(options.map(encodeFrame))
}

interface Actor {
  role: 'introduction' | 'pipe' | 'other'
  /** For pipe sockets: the ids in its path, and how many tagged messages it sent. */
  pipe?: { from: string; to: string; doc: string }
  sent?: number
  /** For introduction sockets: the peer id. */
  peerId?: string
  ws?: RawPeer
  raw?: RawFrameSocket
  tcp?: net.Socket
}

const alive = (actor: Actor) =>
  actor.ws ? actor.ws.socket.readyState <= 1 : actor.raw ? !actor.raw.ended : actor.tcp ? !actor.tcp.destroyed : false

let relay: RelayServer
let url: string

beforeAll(async () => {
  ;({ relay, url } = await startRelay(LIMITS))
})

afterAll(async () => {
  await relay.close()
})

/** What must hold at every moment, whatever the traffic. */
function checkModel(snapshot: RelaySnapshot): void {
  const { counts, peers, documents, pipes } = snapshot
  expect(counts.peers).toBe(peers.length)
  expect(counts.documents).toBe(documents.length)
  expect(counts.pipesWaiting).toBe(pipes.filter(p => p.state === 'waiting').length)
  expect(counts.pipesLive).toBe(pipes.filter(p => p.state === 'live').length)
  expect(new Set(peers.map(p => p.id)).size).toBe(peers.length)
  expect(new Set(pipes.map(p => p.id)).size).toBe(pipes.length)
  expect(counts.peers + counts.pipesWaiting + 2 * counts.pipesLive).toBeLessThanOrEqual(counts.sockets)
  const byId = new Map(peers.map(p => [p.id, p]))
  for (const doc of documents) {
    expect(doc.peers.length).toBeGreaterThan(0)
    for (const peerId of doc.peers) expect(byId.get(peerId)?.documents, `${peerId} on ${doc.id}`).toContain(doc.id)
  }
  const docs = new Map(documents.map(d => [d.id, d]))
  for (const peer of peers) {
    expect(peer.documents.length).toBeLessThanOrEqual(LIMITS.maxDocumentsPerPeer)
    for (const doc of peer.documents) expect(docs.get(doc)?.peers, `${doc} of ${peer.id}`).toContain(peer.id)
  }
  for (const pipe of pipes) {
    expect(pipe.heldBytes).toBeLessThanOrEqual(LIMITS.maxHeldBytes + LIMITS.maxPipeMessageBytes)
    if (pipe.state === 'waiting') expect(pipe.messages).toEqual([0, 0])
  }
}

it(`survives ${OPERATIONS} random operations (seed printed below)`, async () => {
  console.log(`relay fuzz: FUZZ_SEED=${SEED} FUZZ_OPS=${OPERATIONS}`)
  const rng = prng(SEED)
  const actors: Actor[] = []
  const pipesOpened: [string, string, string][] = []
  const unexpected: unknown[] = []
  const started = Date.now()

  const live = (role?: Actor['role']) => actors.filter(a => alive(a) && (role === undefined || a.role === role))
  const bounded = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([promise, new Promise<void>(resolve => setTimeout(resolve, ms).unref())]).catch(() => {})

  async function openActor(role: 'introduction' | 'pipe', path: string, fields: Partial<Actor>): Promise<Actor> {
    let actor: Actor
    if (rng.chance(0.6)) {
      actor = { role, ...fields, ws: new RawPeer(url + path) }
      actors.push(actor)
      await bounded(actor.ws!.opened, 1_000)
    } else {
      actor = { role, ...fields }
      actors.push(actor)
      const options = { autoPong: rng.chance(0.9), answerClose: rng.chance(0.9), timeoutMs: 1_000 }
      actor.raw = await RawFrameSocket.open(url, path, options)
    }
    return actor
  }

  function send(actor: Actor, data: Buffer | string, binary: boolean): void {
    if (actor.ws) {
      if (actor.ws.socket.readyState === 1) actor.ws.send(data, binary)
    } else if (actor.raw) {
      if (rng.chance(0.9)) actor.raw.send({ opcode: binary ? OP.binary : OP.text, payload: data })
      else {
        // The same message in fragments.
        const bytes = Buffer.from(data)
        const cut = rng.int(bytes.length + 1)
        actor.raw.send({ opcode: binary ? OP.binary : OP.text, payload: bytes.subarray(0, cut), fin: false }, { opcode: OP.continuation, payload: bytes.subarray(cut) })
      }
    }
  }

  /** Sends a tagged message, counting it only if it went out on an open socket. */
  function sendPipeMessage(actor: Actor): void {
    const open = actor.ws ? actor.ws.socket.readyState === 1 : actor.raw ? !actor.raw.ended && !actor.raw.closeReceived : false
    if (!open) return
    const { data, binary } = pipePayload(rng, actors.indexOf(actor), actor.sent!)
    if (data.length > 0) actor.sent!++
    send(actor, data, binary)
  }

  /** What each socket received must make sense for what it is. */
  function checkReceived(): void {
    for (const [index, actor] of actors.entries()) {
      const received = actor.ws
        ? actor.ws.received
        : (actor.raw?.messages() ?? []).map(frame => ({ data: frame.payload, isBinary: frame.opcode === OP.binary }))
      if (actor.role === 'introduction') {
        for (const { data, isBinary } of received) {
          expect(isBinary, `introduction socket ${index} got a text frame`).toBe(true)
          const message = unpack(data) as { type: unknown; peerId: unknown; documentIds: unknown }
          expect(Object.keys(message)).toEqual(['type', 'peerId', 'documentIds'])
          expect(message.type).toBe('Introduction')
          // Random paths and odd Joins can register other ids and documents, so only shapes are checked.
          expect(typeof message.peerId === 'string' && message.peerId.length > 0).toBe(true)
          expect(message.peerId, `socket ${index} introduced to itself`).not.toBe(actor.peerId)
          expect(Array.isArray(message.documentIds) && message.documentIds.length > 0).toBe(true)
          for (const doc of message.documentIds as unknown[]) expect(typeof doc === 'string' && doc.length > 0).toBe(true)
        }
      } else if (actor.role === 'pipe') {
        const next = new Map<number, number>()
        for (const { data, isBinary } of received) {
          const tag = readTag(data, isBinary)
          if (!tag) continue
          const sender = actors[tag.sender]!.pipe!
          const me = actor.pipe!
          expect([sender.from, sender.to, sender.doc], `pipe socket ${index} got a message from socket ${tag.sender}`).toEqual([me.to, me.from, me.doc])
          expect(tag.seq, `message order from socket ${tag.sender} to ${index}`).toBe(next.get(tag.sender) ?? 0)
          next.set(tag.sender, tag.seq + 1)
        }
        // A socket is paired once: everything it received came from one partner.
        expect(next.size).toBeLessThanOrEqual(1)
      }
      // Sockets on random paths may have hit a real endpoint by chance; what they get is not checked.
    }
  }

  function end(actor: Actor): void {
    const how = rng.int(5)
    if (actor.ws) {
      if (how === 0) actor.ws.socket.terminate()
      else if (actor.ws.socket.readyState === 1) actor.ws.socket.close(rng.pick([1000, 1001, 3000, 4999]), rng.chance(0.5) ? 'bye' : undefined)
      else actor.ws.socket.terminate()
    } else if (actor.raw) {
      if (how === 0) actor.raw.destroy()
      else if (how === 1) actor.raw.socket.resetAndDestroy()
      else if (how === 2) {
        // Mid-frame.
        actor.raw.write(encodeFrame({ opcode: OP.binary, payload: rng.bytes(200) }).subarray(0, 1 + rng.int(100)))
        actor.raw.destroy()
      } else actor.raw.close(rng.pick([1000, 1001, 4000]))
    } else actor.tcp?.destroy()
  }

  const operations = {
    async introduction() {
      const peerId = rng.pick(PEER_IDS)
      const actor = await openActor('introduction', introductionPath(rng, peerId), { peerId })
      if (rng.chance(0.8)) send(actor, pack({ type: 'Join', documentIds: [rng.pick(DOC_IDS)] }), true)
    },
    async pipe() {
      let [from, to, doc] = [rng.pick(PEER_IDS.slice(0, 8)), rng.pick(PEER_IDS.slice(0, 8)), rng.pick(DOC_IDS.slice(0, 4))]
      // Usually the partner of a recent pipe, so pairs do form.
      const recent = pipesOpened.slice(-10)
      if (recent.length > 0 && rng.chance(0.6)) [to, from, doc] = rng.pick(recent)
      pipesOpened.push([from, to, doc])
      const actor = await openActor('pipe', connectionPath(rng, from, to, doc), { pipe: { from, to, doc }, sent: 0 })
      // Often talk at once, before any partner is there.
      for (let i = rng.int(4); i > 0; i--) sendPipeMessage(actor)
    },
    async control() {
      const actor = rng.pick(live('introduction').concat(live('other')).concat([undefined as unknown as Actor]))
      if (!actor) return
      for (let i = 1 + rng.int(3); i > 0; i--) {
        const { data, binary } = controlPayload(rng)
        send(actor, data, binary)
      }
    },
    async data() {
      const actor = rng.pick(live('pipe').concat([undefined as unknown as Actor]))
      if (!actor) return
      for (let i = 1 + rng.int(5); i > 0; i--) sendPipeMessage(actor)
    },
    async badFrame() {
      const actor = rng.pick(live().filter(a => a.raw))
      if (!actor?.raw) return
      const max = actor.role === 'introduction' ? LIMITS.maxControlMessageBytes : LIMITS.maxPipeMessageBytes
      actor.raw.write(badFrames(rng, max))
    },
    async end() {
      const actor = rng.pick(live())
      if (actor) end(actor)
    },
    async randomPath() {
      const path = randomPath(rng)
      if (rng.chance(0.5)) {
        const actor: Actor = { role: 'other' }
        actors.push(actor)
        actor.raw = await RawFrameSocket.open(url, path, { timeoutMs: 1_000 })
      } else {
        const reply = await httpGet(url, path.replace(/[^\x21-\x7e]/g, '_').replace(/#/g, '%23'), 1_000)
        expect(reply.status).toBeLessThan(500)
      }
    },
    async midHandshake() {
      const tcp = await connectTcp(url)
      const actor: Actor = { role: 'other', tcp }
      actors.push(actor)
      tcp.resume()
      const path = rng.chance(0.5) ? introductionPath(rng, rng.pick(PEER_IDS)) : connectionPath(rng, rng.pick(PEER_IDS), rng.pick(PEER_IDS), rng.pick(DOC_IDS))
      const request = Buffer.from(upgradeRequest(url, path))
      const cut = rng.chance(0.5) ? request.length : rng.int(request.length)
      tcp.write(request.subarray(0, cut))
      if (rng.chance(0.3)) tcp.write(badFrames(rng, LIMITS.maxControlMessageBytes))
      const how = rng.int(4)
      if (how === 0) tcp.destroy()
      else if (how === 1) tcp.resetAndDestroy()
      else if (how === 2) setImmediate(() => tcp.end())
      // else: left hanging until the end of the run, or until the relay gives up on it.
    },
  }
  type Operation = keyof typeof operations
  const weights: Record<Operation, number> = {
    introduction: 10,
    pipe: 12,
    control: 14,
    data: 14,
    badFrame: 4,
    end: 12,
    randomPath: 4,
    midHandshake: 3,
  }

  const inFlight = new Set<Promise<void>>()
  try {
    for (let i = 0; i < OPERATIONS; i++) {
      let operation = rng.weighted(weights)
      if (live().length >= MAX_ACTORS && (operation === 'introduction' || operation === 'pipe' || operation === 'midHandshake')) operation = 'end'
      const running = operations[operation]().catch(error => {
        // Refusals, resets and timeouts are the point; an assertion that failed is not.
        if ((error as Error)?.name === 'AssertionError') unexpected.push(error)
      })
      inFlight.add(running)
      void running.finally(() => inFlight.delete(running))
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight)
      if (i % 200 === 199) {
        checkModel(relay.snapshot())
        checkReceived()
        // Let closes and timers run now and then, as real traffic would.
        await new Promise(resolve => setImmediate(resolve))
      }
    }
    await Promise.all(inFlight)
    checkModel(relay.snapshot())
    checkReceived()
    expect(unexpected).toEqual([])

    // Everyone leaves, one way or another.
    for (const actor of actors) if (alive(actor)) end(actor)
    for (const actor of actors) {
      // Refused ws handshakes and sockets told not to answer a close need a firmer goodbye.
      actor.ws?.socket.terminate()
      actor.raw?.destroy()
      actor.tcp?.destroy()
    }
    await eventually(() => {
      const { counts } = relay.snapshot()
      return counts.sockets === 0 && counts.peers === 0 && counts.documents === 0 && counts.pipesWaiting === 0 && counts.pipesLive === 0
    }, 10_000, 'the relay to hold nothing once every socket is gone')
    const snapshot = relay.snapshot()
    checkModel(snapshot)
    expect([snapshot.peers, snapshot.documents, snapshot.pipes]).toEqual([[], [], []])
    expect(snapshot.listening).toBe(true)

    // The run did exercise the relay.
    const { totals } = snapshot
    expect(totals.connectionsAccepted).toBeGreaterThan(OPERATIONS / 10)
    expect(totals.introductions).toBeGreaterThan(0)
    expect(totals.pipesOpened).toBeGreaterThan(0)
    expect(totals.ignoredMessages).toBeGreaterThan(0)
    expect((totals.refusalsByKind.protocolError ?? 0) + (totals.refusalsByKind.invalidData ?? 0)).toBeGreaterThan(0)

    const health = JSON.parse((await httpGet(url, '/health')).body)
    expect(health).toMatchObject({ status: 'ok', counts: { peers: 0, sockets: 0 } })
    await assertRelayWorks(url)
    console.log(
      `relay fuzz: ${OPERATIONS} operations in ${Date.now() - started} ms, ${totals.connectionsAccepted} connections, ` +
        `${totals.introductions} introductions, ${totals.pipesOpened} pipes, refusals ${JSON.stringify(totals.refusalsByKind)}`,
    )
  } catch (error) {
    ;(error as Error).message = `[FUZZ_SEED=${SEED}] ${(error as Error).message}`
    throw error
  } finally {
    for (const actor of actors) {
      actor.ws?.socket.terminate()
      actor.raw?.destroy()
      actor.tcp?.destroy()
    }
  }
}, 45_000)
