/**
 * Drives the published `@localfirst/relay@4.2.2` Client in compatibility tests. The Client is used
 * exactly as an application would use it; this file only records what it reports.
 */
import { inspect, isDeepStrictEqual } from 'node:util'
import { Client } from '@localfirst/relay/Client.js'
import type { RelayLimits } from '../../shared/limits.js'
import type { PipeView, RelaySnapshot } from '../../shared/relay-model.js'
import { RelayServer } from '../../src-main/relay/relay-server.js'
import { eventually, startRelay } from './relay.js'

/** The pipe socket the Client hands out: a `ws` WebSocket with `binaryType = 'arraybuffer'`. */
export interface ClientSocket {
  readonly readyState: number
  binaryType: string
  send(data: string | ArrayBuffer | ArrayBufferView): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void
}

export interface PeerEventPayload {
  peerId: string
  documentId: string
  socket: ClientSocket
}

export interface PublishedClientOptions {
  peerId: string
  url: string
  documentIds?: string[]
  minRetryDelay?: number
  backoffFactor?: number
  maxRetryDelay?: number
}

/** The part of the published Client the tests use; its own typings point at a file it does not ship. */
export interface PublishedClient {
  readonly peerId: string
  readonly open: boolean
  join(documentId: string): PublishedClient
  leave(documentId: string): PublishedClient
  disconnectPeer(peerId: string): PublishedClient
  disconnectServer(): void
  connectToServer(): void
  has(peerId: string, documentId?: string): boolean
  on(event: 'server-connect' | 'server-disconnect', listener: () => void): unknown
  on(event: 'peer-connect' | 'peer-disconnect', listener: (payload: PeerEventPayload) => void): unknown
  on(event: 'error', listener: (error: unknown) => void): unknown
}

const PublishedClientClass = Client as unknown as new (options: PublishedClientOptions) => PublishedClient

/**
 * A message as received by an application: text frames arrive as `string`, binary frames as
 * `ArrayBuffer` (recorded here as a Buffer copy, so tests can compare contents with `toEqual`).
 * Anything else the socket delivers is recorded as an `unexpected` marker so a test fails on it.
 */
export type AppMessage = string | Buffer | { unexpected: string }

/** One pipe as one Client saw it: from its `peer-connect` to its close. */
export interface PipeRecord {
  peerId: string
  documentId: string
  socket: ClientSocket
  messages: AppMessage[]
  /** The close code the Client's socket saw, once it closed. */
  closeCode: number | undefined
}

export interface TrackOptions {
  /**
   * Called synchronously inside the Client's `peer-connect` handler, after this recorder attached
   * its message listener, as an application that sends on connect would.
   */
  onPeerConnect?: (payload: PeerEventPayload, self: TrackedClient) => void
  /**
   * Holds back the Client's answer to every introduction until this promise resolves, so its
   * partner's side of the pipe waits (and the relay holds what the partner sends) until then.
   */
  openPipesAfter?: Promise<unknown>
}

/** A published Client plus a record of everything it reported. */
export class TrackedClient {
  readonly client: PublishedClient
  readonly peerId: string
  serverConnects = 0
  serverDisconnects = 0
  /** Close codes of the Client's introduction sockets that opened and then closed, in order. */
  readonly serverCloseCodes: number[] = []
  readonly errors: unknown[] = []
  /** Every pipe this Client got `peer-connect` for, in order. */
  readonly pipes: PipeRecord[] = []
  /** `peer-disconnect` payloads, in order. */
  readonly disconnects: { peerId: string; documentId: string }[] = []

  constructor(options: PublishedClientOptions, track: TrackOptions = {}) {
    this.peerId = options.peerId
    this.client = new PublishedClientClass(options)
    if (track.openPipesAfter) delayIntroductions(this.client, track.openPipesAfter)
    const client = this.client
    client.on('server-connect', () => {
      this.serverConnects++
      // The Client keeps its introduction socket in a private field; read-only use, to see close codes.
      const socket = (client as unknown as { serverConnection: ClientSocket }).serverConnection
      socket.addEventListener('close', event => this.serverCloseCodes.push(event.code))
    })
    client.on('server-disconnect', () => this.serverDisconnects++)
    client.on('error', error => this.errors.push(error))
    client.on('peer-connect', payload => {
      const record: PipeRecord = {
        peerId: payload.peerId,
        documentId: payload.documentId,
        socket: payload.socket,
        messages: [],
        closeCode: undefined,
      }
      this.pipes.push(record)
      payload.socket.addEventListener('message', event => record.messages.push(asAppMessage(event.data)))
      payload.socket.addEventListener('close', event => (record.closeCode = event.code))
      track.onPeerConnect?.(payload, this)
    })
    client.on('peer-disconnect', ({ peerId, documentId }) => this.disconnects.push({ peerId, documentId }))
  }

  /** Pipe sockets the Client has started but that have not opened yet (its own bookkeeping). */
  connectingPipes(): number {
    const peers = (this.client as unknown as { peers: Map<string, Map<string, unknown>> }).peers
    let count = 0
    for (const sockets of peers.values()) for (const socket of sockets.values()) if (socket === null) count++
    return count
  }

  /** The latest pipe to `peerId` on `documentId`, if any. */
  pipe(peerId: string, documentId: string): PipeRecord | undefined {
    for (let i = this.pipes.length - 1; i >= 0; i--) {
      const pipe = this.pipes[i]!
      if (pipe.peerId === peerId && pipe.documentId === documentId) return pipe
    }
    return undefined
  }

  /** All pipes to `peerId` (on any document, or on `documentId`). */
  pipesTo(peerId: string, documentId?: string): PipeRecord[] {
    return this.pipes.filter(pipe => pipe.peerId === peerId && (documentId === undefined || pipe.documentId === documentId))
  }

  disconnectsFrom(peerId: string, documentId?: string): number {
    return this.disconnects.filter(d => d.peerId === peerId && (documentId === undefined || d.documentId === documentId)).length
  }

  /** Waits for the `count`-th pipe to `peerId` on `documentId` and returns it. */
  async waitForPipe(peerId: string, documentId: string, count = 1, timeoutMs = 5_000): Promise<PipeRecord> {
    await until(
      () => this.pipesTo(peerId, documentId).length >= count,
      timeoutMs,
      () => `${this.peerId}: peer-connect #${count} from ${peerId} on ${documentId} (have ${this.pipesTo(peerId, documentId).length})`,
    )
    return this.pipesTo(peerId, documentId)[count - 1]!
  }

  /** Waits until the latest pipe to `peerId` on `documentId` has received `count` messages. */
  async waitForMessages(peerId: string, documentId: string, count: number, timeoutMs = 5_000): Promise<AppMessage[]> {
    await until(
      () => (this.pipe(peerId, documentId)?.messages.length ?? 0) >= count,
      timeoutMs,
      () => `${this.peerId}: ${count} messages from ${peerId} on ${documentId} (have ${this.pipe(peerId, documentId)?.messages.length ?? 'no pipe'})`,
    )
    return this.pipe(peerId, documentId)!.messages
  }

  async waitForServerConnects(count: number, timeoutMs = 5_000): Promise<void> {
    await until(() => this.serverConnects >= count, timeoutMs, () => `${this.peerId}: server-connect #${count} (have ${this.serverConnects})`)
  }

  async waitForDisconnect(peerId: string, documentId: string, count = 1, timeoutMs = 5_000): Promise<void> {
    await until(
      () => this.disconnectsFrom(peerId, documentId) >= count,
      timeoutMs,
      () => `${this.peerId}: peer-disconnect #${count} from ${peerId} on ${documentId} (have ${this.disconnectsFrom(peerId, documentId)})`,
    )
  }
}

/** `eventually`, with a failure message that describes the state at the time of failure. */
export async function until(check: () => boolean, timeoutMs: number, describeState: () => string): Promise<void> {
  try {
    await eventually(check, timeoutMs)
  } catch {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${describeState()}`)
  }
}

/**
 * Owns the Clients and relays of one test and tears them all down afterwards: every Client gets
 * `disconnectServer()`, then every relay is closed (which frees its port).
 */
export class CompatRig {
  private readonly clients: TrackedClient[] = []
  private readonly relays: RelayServer[] = []

  async startRelay(limits: Partial<RelayLimits> = {}): Promise<{ relay: RelayServer; url: string; port: number }> {
    const started = await startRelay(limits)
    this.relays.push(started.relay)
    return started
  }

  /** A new relay on the port an earlier one used, as after a restart. */
  async restartRelay(port: number, limits: Partial<RelayLimits> = {}): Promise<RelayServer> {
    const relay = new RelayServer({ host: '127.0.0.1', port, limits })
    this.relays.push(relay)
    await relay.listen()
    return relay
  }

  client(url: string, peerId: string, documentIds: string[] = [], track: TrackOptions = {}, retry: RetryOptions = {}): TrackedClient {
    const tracked = new TrackedClient({ peerId, url, documentIds, ...retry }, track)
    this.clients.push(tracked)
    return tracked
  }

  /**
   * Disconnects every Client, waits until nothing is in flight, then closes every relay.
   *
   * The published Client puts no 'error' listener on its pipe sockets, so a pipe handshake that
   * meets a closing relay (HTTP 503, or a refused TCP connect) throws an uncaught exception in the
   * test process. So before the relays close, wait until no relay has an introduction socket left
   * (no introduction can be in flight any more) and no Client has a pipe socket mid-handshake.
   */
  async cleanup(): Promise<void> {
    const clients = this.clients.splice(0)
    const relays = this.relays.splice(0)
    try {
      for (const tracked of clients) tracked.client.disconnectServer()
      await until(
        () => relays.every(relay => !relay.listening || relay.snapshot().counts.peers === 0) && clients.every(c => c.connectingPipes() === 0),
        5_000,
        () => `quiet before closing the relays (introduction sockets: ${relays.map(r => (r.listening ? r.snapshot().counts.peers : 0)).join('/')}, pipes mid-handshake: ${clients.map(c => c.connectingPipes()).join('/')})`,
      )
    } finally {
      await Promise.all(relays.map(relay => relay.close()))
    }
  }
}

export type RetryOptions = Pick<PublishedClientOptions, 'minRetryDelay' | 'backoffFactor' | 'maxRetryDelay'>

function asAppMessage(data: unknown): AppMessage {
  if (typeof data === 'string') return data
  if (Object.prototype.toString.call(data) === '[object ArrayBuffer]') return Buffer.from(data as ArrayBuffer)
  return { unexpected: Object.prototype.toString.call(data) }
}

/**
 * Wraps the Client's own introduction handler so it runs once `gate` resolves: the Client's code
 * is unchanged, only the moment it opens its side of the pipe moves.
 */
function delayIntroductions(client: PublishedClient, gate: Promise<unknown>): void {
  const target = client as unknown as { connectToPeer: (documentId: string, peerId: string) => void }
  const original = target.connectToPeer.bind(client)
  target.connectToPeer = (documentId, peerId) => {
    void gate.then(() => original(documentId, peerId))
  }
}

/** Byte length of a message as the relay counts it (UTF-8 for text). */
export function byteLength(message: string | Uint8Array): number {
  return typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength
}

/**
 * Compares received messages with the expected ones and describes the first difference (content,
 * text vs binary, or count), or returns undefined when they match exactly. Keeps failures readable
 * where `toEqual` would print thousands of buffers.
 */
export function firstDifference(received: readonly AppMessage[], expected: readonly (string | Uint8Array)[]): string | undefined {
  const count = Math.min(received.length, expected.length)
  for (let i = 0; i < count; i++) {
    const got = received[i]!
    const want = expected[i]!
    if (typeof want === 'string') {
      if (got !== want) return `message ${i}: expected text ${describe(want)}, got ${describe(got)}`
    } else if (!Buffer.isBuffer(got) || !got.equals(want)) {
      return `message ${i}: expected binary ${describe(want)}, got ${describe(got)}`
    }
  }
  if (received.length !== expected.length) return `expected ${expected.length} messages, got ${received.length}`
  return undefined
}

function describe(message: AppMessage | Uint8Array): string {
  if (typeof message === 'string') return `text(${Buffer.byteLength(message)} B) ${JSON.stringify(message.slice(0, 40))}`
  if (message instanceof Uint8Array) return `binary(${message.byteLength} B) ${Buffer.from(message.subarray(0, 24)).toString('hex')}`
  return `unexpected ${message.unexpected}`
}

/** The pipes in the model between `a` and `b` on `documentId`, in any state (normally one). */
export function pipesBetween(snapshot: RelaySnapshot, a: string, b: string, documentId: string): PipeView[] {
  return snapshot.pipes.filter(
    pipe => pipe.documentId === documentId && ((pipe.peers[0] === a && pipe.peers[1] === b) || (pipe.peers[0] === b && pipe.peers[1] === a)),
  )
}

/** A live pipe's traffic seen from `a`'s side: what `a` sent and what `b` sent. */
export function trafficOf(pipe: PipeView, a: string): { fromA: { bytes: number; messages: number }; fromB: { bytes: number; messages: number } } {
  const i = pipe.peers[0] === a ? 0 : 1
  const j = i === 0 ? 1 : 0
  return {
    fromA: { bytes: pipe.bytes[i], messages: pipe.messages[i] },
    fromB: { bytes: pipe.bytes[j], messages: pipe.messages[j] },
  }
}

/**
 * Proves that the relay at `url` serves the published Client, for checks of a relay started some
 * other way (a packaged app, an installed package): two Clients joining one document get a pipe,
 * and a text and a binary message each cross it, intact, in both directions.
 */
export async function pipeTwoClients(url: string, timeoutMs = 15_000): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 8)
  const [alice, bob] = [`alice-${suffix}`, `bob-${suffix}`]
  const documentId = `smoke-${suffix}`
  const clients = [alice, bob].map(peerId => new TrackedClient({ peerId, url, documentIds: [documentId] }))
  try {
    for (const [self, other] of [[clients[0]!, bob], [clients[1]!, alice]] as const) {
      const pipe = await self.waitForPipe(other, documentId, 1, timeoutMs)
      pipe.socket.send(`hello from ${self.peerId}`)
      pipe.socket.send(Buffer.from(self.peerId))
    }
    for (const [self, other] of [[clients[0]!, bob], [clients[1]!, alice]] as const) {
      const messages = await self.waitForMessages(other, documentId, 2, timeoutMs)
      const expected = [`hello from ${other}`, Buffer.from(other)]
      if (!isDeepStrictEqual(messages, expected)) {
        throw new Error(`${self.peerId} received ${inspect(messages)} from ${other}, expected ${inspect(expected)}`)
      }
    }
  } finally {
    for (const tracked of clients) tracked.client.disconnectServer()
  }
}
