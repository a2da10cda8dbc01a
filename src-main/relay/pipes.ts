import type { Socket } from 'node:net'
import { closeReason } from '../../shared/close-codes.js'
import type { RelayLimits } from '../../shared/limits.js'
import type { PipeView } from '../../shared/relay-model.js'
import type { RelayActivity } from './activity.js'
import type { RelaySocket } from './relay-socket.js'

interface HeldMessage {
  data: Buffer
  isBinary: boolean
}

export interface Pipe {
  readonly id: number
  readonly key: string
  readonly documentId: string
  readonly peers: [string, string]
  readonly sockets: [RelaySocket, RelaySocket | undefined]
  /** Whether each socket has answered the relay's first ping, and so may be sent to (see `ready`). */
  readonly ready: [boolean, boolean]
  readonly openedAt: number
  liveSince: number
  /** Per direction: index 0 is what peers[0] sent. */
  readonly bytes: [number, number]
  readonly messages: [number, number]
  readonly bytesPerSecond: [number, number]
  readonly sampledBytes: [number, number]
  /** A sender is paused until its receiver drains. */
  readonly throttled: [boolean, boolean]
  /** Messages from each side that its receiver cannot take yet, in order. */
  readonly held: [HeldMessage[], HeldMessage[]]
  readonly heldBytes: [number, number]
  /** A sender is paused because its hold is full. */
  readonly holdPaused: [boolean, boolean]
  /** Messages from each side handed to the receiver's socket but not yet written to the kernel. */
  readonly inFlight: [number, number]
  readonly written: [() => void, () => void]
  holdTimer: NodeJS.Timeout | undefined
  closed: boolean
  /** One side closed while what it sent was still held for a partner that was not ready. */
  closeAfterFlush: boolean
  /**
   * Until when a close of this pipe should be followed by introducing its peers again: set when
   * an introduction for the pair reached a Client that still had this pipe and so ignored it.
   */
  reintroduceUntil: number
}

/**
 * What queuing one message costs beyond its payload (buffer views, write requests). Limits count
 * it, so a flood of empty or tiny messages is bounded like a flood of big ones.
 */
const MESSAGE_OVERHEAD_BYTES = 256

/** Frames at least this big gain nothing from batching, so they are written at once. */
const CORK_BELOW_BYTES = 16 * 1024

const BINARY = { binary: true } as const
const TEXT = { binary: false } as const

/** How long after an ignored introduction the pipe's close still triggers a new one. */
const REINTRODUCE_WINDOW_MS = 5_000

/** The TCP socket under a ws socket; ws keeps it in a private field. */
const tcpOf = (socket: RelaySocket) => (socket as unknown as { _socket: Socket })._socket

/** Keys are JSON arrays, so no id can contain a separator that makes two pipes collide. */
export const pipeKey = (from: string, to: string, documentId: string) => JSON.stringify([from, to, documentId])

/**
 * Pipes between two peers for one document: the first socket waits (its messages held, in order,
 * byte-for-byte) until the reciprocal socket arrives, then every message is forwarded as it came.
 *
 * A socket is sent nothing until it has answered the relay's first ping. The published Client
 * attaches its message listener in a microtask after the socket opens, so frames that arrive in
 * the same read as the handshake response would be dropped before the application sees them; the
 * pong proves the client has finished that read.
 *
 * Senders are paused while their receiver has a full buffer (or their hold is full), so a reader
 * that stops reading costs the relay at most about one high-water mark per pipe and nothing is
 * dropped.
 */
export class PipeRegistry {
  private readonly waiting = new Map<string, Pipe>()
  private readonly live = new Set<Pipe>()
  /** Live pipes by key, kept until both sockets have closed so a late Join can still find them. */
  private readonly liveByKey = new Map<string, Pipe>()
  private nextId = 1
  /** Traffic of pipes that have closed; live pipes carry their own counters. */
  private closedMessages = 0
  private closedBytes = 0
  private lastSampleAt = Date.now()
  /** Receivers written to in this event-loop turn; see `send`. */
  private corked: Socket[] = []

  constructor(
    private readonly limits: RelayLimits,
    private readonly activity: RelayActivity,
    /** Asks for an introduction to be sent again, after a stale pipe was closed. */
    private readonly reintroduce: (peerId: string, otherPeerId: string, documentId: string) => void,
  ) {}

  get waitingCount(): number {
    return this.waiting.size
  }

  get liveCount(): number {
    return this.live.size
  }

  open(socket: RelaySocket, from: string, to: string, documentId: string, now = Date.now()): void {
    socket.once('pong', () => this.ready(socket))
    this.closeStale(from, to, documentId)
    const partner = this.waiting.get(pipeKey(to, from, documentId))
    if (partner) {
      this.connect(partner, socket, now)
    } else {
      this.wait(socket, from, to, documentId, now)
    }
    socket.ping()
  }

  /** The hot path: one call per message on a pipe socket. */
  forward(socket: RelaySocket, data: Buffer, isBinary: boolean): void {
    const pipe = socket.pipe!
    const side = socket.side
    // A client sends only after its open handler ran, so a message proves readiness like a pong.
    if (!pipe.ready[side]) this.ready(socket)
    const to = side ^ 1
    const receiver = pipe.sockets[to]
    if (receiver === undefined || !pipe.ready[to]) {
      this.hold(pipe, side, data, isBinary)
      return
    }
    pipe.bytes[side] += data.length
    pipe.messages[side]++
    this.send(pipe, side, receiver, data, isBinary)
    if (this.queuedFor(pipe, side, receiver) >= this.limits.pipeHighWaterMark) this.throttle(pipe, side)
  }

  /** Bytes waiting to go out to `receiver` from this direction, counting per-message overhead. */
  private queuedFor(pipe: Pipe, side: 0 | 1, receiver: RelaySocket): number {
    return receiver.bufferedAmount + pipe.inFlight[side] * MESSAGE_OVERHEAD_BYTES
  }

  /**
   * Small frames for one receiver within one event-loop turn go out in a single write: its TCP
   * socket is corked on the first and uncorked once the turn's I/O is done, so small messages cost
   * one syscall per batch instead of one each.
   */
  private send(pipe: Pipe, from: 0 | 1, receiver: RelaySocket, data: Buffer, isBinary: boolean): void {
    const tcp = tcpOf(receiver)
    if (data.length < CORK_BELOW_BYTES && tcp.writableCorked === 0) {
      tcp.cork()
      if (this.corked.push(tcp) === 1) setImmediate(this.uncorkAll)
    }
    pipe.inFlight[from]++
    receiver.send(data, isBinary ? BINARY : TEXT, pipe.written[from])
  }

  private readonly uncorkAll = (): void => {
    const corked = this.corked
    this.corked = []
    for (const tcp of corked) tcp.uncork()
  }

  /** Every pipe socket's close lands here; the other side is closed to match. */
  closed(socket: RelaySocket, code: number, reason: string): void {
    const pipe = socket.pipe
    if (!pipe) return
    if (pipe.closed) {
      // The second socket of a live pipe: now both are gone.
      if (pipe.sockets[1] !== undefined) this.finish(pipe)
      return
    }
    pipe.closed = true
    clearTimeout(pipe.holdTimer)
    if (pipe.sockets[1] === undefined) {
      if (this.waiting.get(pipe.key) === pipe) this.waiting.delete(pipe.key)
    } else {
      this.live.delete(pipe)
      this.closedMessages += pipe.messages[0] + pipe.messages[1]
      this.closedBytes += pipe.bytes[0] + pipe.bytes[1]
      const side = socket.side
      const partner = pipe.sockets[side ^ 1]!
      // What this side sent before closing still reaches the partner once it can take it.
      if (pipe.held[side].length > 0 && !pipe.ready[side ^ 1]) pipe.closeAfterFlush = true
      else partner.refuse('partnerClosed')
      if (partner.readyState === partner.CLOSED) this.finish(pipe)
    }
    if (!pipe.closeAfterFlush) {
      pipe.held[0] = []
      pipe.held[1] = []
    }
    this.activity.record({
      kind: 'pipe-close',
      peerId: pipe.peers[0],
      otherPeerId: pipe.peers[1],
      documentIds: [pipe.documentId],
      code,
      reason,
    })
  }

  totals(): { messages: number; bytes: number } {
    let messages = this.closedMessages
    let bytes = this.closedBytes
    for (const pipe of this.live) {
      messages += pipe.messages[0] + pipe.messages[1]
      bytes += pipe.bytes[0] + pipe.bytes[1]
    }
    return { messages, bytes }
  }

  /** Updates each live pipe's current rate; called once per sampling interval. */
  sampleRates(now = Date.now()): void {
    const seconds = Math.max(0.001, (now - this.lastSampleAt) / 1000)
    this.lastSampleAt = now
    for (const pipe of this.live) {
      for (const side of [0, 1] as const) {
        pipe.bytesPerSecond[side] = Math.round((pipe.bytes[side] - pipe.sampledBytes[side]) / seconds)
        pipe.sampledBytes[side] = pipe.bytes[side]
      }
    }
  }

  find(id: number): Pipe | undefined {
    for (const pipe of this.live) if (pipe.id === id) return pipe
    for (const pipe of this.waiting.values()) if (pipe.id === id) return pipe
    return undefined
  }

  views(): PipeView[] {
    const views: PipeView[] = []
    for (const pipe of this.waiting.values()) views.push(view(pipe))
    for (const pipe of this.live) views.push(view(pipe))
    return views
  }

  /**
   * Called when an introduction for these peers on these documents went out. A Client that still
   * has a pipe for it ignores the introduction, so if that pipe is on its way out (a
   * disconnectPeer racing a Join) the pair is introduced again once it is gone.
   */
  introduced(peerId: string, otherPeerId: string, documentIds: string[], now = Date.now()): void {
    if (this.liveByKey.size === 0) return
    for (const documentId of documentIds) {
      const pipe = this.liveByKey.get(pipeKey(peerId, otherPeerId, documentId)) ?? this.liveByKey.get(pipeKey(otherPeerId, peerId, documentId))
      if (pipe) pipe.reintroduceUntil = now + REINTRODUCE_WINDOW_MS
    }
  }

  /** Both sockets of a live pipe have closed. */
  private finish(pipe: Pipe): void {
    if (this.liveByKey.get(pipe.key) === pipe) this.liveByKey.delete(pipe.key)
    if (Date.now() > pipe.reintroduceUntil) return
    const [a, b] = pipe.peers
    this.reintroduce(a, b, pipe.documentId)
    this.reintroduce(b, a, pipe.documentId)
  }

  private wait(socket: RelaySocket, from: string, to: string, documentId: string, now: number): void {
    const key = pipeKey(from, to, documentId)
    const earlier = this.waiting.get(key)
    if (earlier) {
      // The same side asked again (a Client that reconnected): the newer socket is the one in use.
      this.waiting.delete(key)
      this.dropWaiting(earlier, 'replaced', 'a newer connection for the same pipe')
    }
    const pipe: Pipe = {
      id: this.nextId++,
      key,
      documentId,
      peers: [from, to],
      sockets: [socket, undefined],
      ready: [false, false],
      openedAt: now,
      liveSince: 0,
      bytes: [0, 0],
      messages: [0, 0],
      bytesPerSecond: [0, 0],
      sampledBytes: [0, 0],
      throttled: [false, false],
      held: [[], []],
      heldBytes: [0, 0],
      holdPaused: [false, false],
      inFlight: [0, 0],
      written: [() => this.written(pipe, 0), () => this.written(pipe, 1)],
      holdTimer: undefined,
      closed: false,
      closeAfterFlush: false,
      reintroduceUntil: 0,
    }
    pipe.holdTimer = setTimeout(() => this.holdTimedOut(pipe), this.limits.holdTimeoutMs)
    socket.pipe = pipe
    socket.side = 0
    this.waiting.set(key, pipe)
    this.activity.record({ kind: 'pipe-waiting', peerId: from, otherPeerId: to, documentIds: [documentId] })
  }

  private connect(pipe: Pipe, socket: RelaySocket, now: number): void {
    this.waiting.delete(pipe.key)
    clearTimeout(pipe.holdTimer)
    pipe.holdTimer = undefined
    pipe.sockets[1] = socket
    pipe.liveSince = now
    socket.pipe = pipe
    socket.side = 1
    this.live.add(pipe)
    this.liveByKey.set(pipe.key, pipe)
    this.activity.totals.pipesOpened++
    this.activity.record({
      kind: 'pipe-open',
      peerId: pipe.peers[0],
      otherPeerId: pipe.peers[1],
      documentIds: [pipe.documentId],
    })
    // What side 0 sent while waiting goes out once this socket answers its first ping.
    this.flush(pipe, 1)
  }

  private ready(socket: RelaySocket): void {
    const pipe = socket.pipe
    if (!pipe || (pipe.closed && !pipe.closeAfterFlush)) return
    const side = socket.side
    if (pipe.ready[side]) return
    pipe.ready[side] = true
    this.flush(pipe, (side ^ 1) as 0 | 1)
    if (pipe.closeAfterFlush) {
      pipe.closeAfterFlush = false
      socket.refuse('partnerClosed')
      return
    }
    // A socket that is not yet ready keeps being read (its pong must get through); its hold is
    // paused only now, if it filled up in the meantime.
    this.pauseIfHoldFull(pipe, side)
  }

  /** Delivers what `from` sent while its receiver could not take it, then lets `from` go on. */
  private flush(pipe: Pipe, from: 0 | 1): void {
    const to = from ^ 1
    const receiver = pipe.sockets[to]
    if (receiver === undefined || !pipe.ready[to]) return
    const held = pipe.held[from]
    if (held.length > 0) {
      pipe.held[from] = []
      pipe.heldBytes[from] = 0
      for (const message of held) {
        pipe.bytes[from] += message.data.length
        pipe.messages[from]++
        this.send(pipe, from, receiver, message.data, message.isBinary)
      }
    }
    if (pipe.holdPaused[from]) {
      pipe.holdPaused[from] = false
      if (this.queuedFor(pipe, from, receiver) >= this.limits.pipeHighWaterMark) this.throttle(pipe, from)
      else if (!pipe.throttled[from]) pipe.sockets[from]!.resume()
    }
  }

  private hold(pipe: Pipe, side: 0 | 1, data: Buffer, isBinary: boolean): void {
    pipe.heldBytes[side] += data.length
    if (this.heldCost(pipe, side) + MESSAGE_OVERHEAD_BYTES > this.limits.maxHeldBytes) {
      const detail = `more than ${this.limits.maxHeldBytes} bytes sent before the partner could take them`
      if (pipe.sockets[1] === undefined) this.dropWaiting(pipe, 'holdOverflow', detail)
      else {
        this.activity.refusal('holdOverflow', {
          peerId: pipe.peers[side],
          address: pipe.sockets[side]!.remoteAddress,
          reason: closeReason('holdOverflow', detail),
        })
        pipe.sockets[side]!.refuse('holdOverflow', detail)
      }
      return
    }
    pipe.held[side].push({ data, isBinary })
    this.pauseIfHoldFull(pipe, side)
  }

  private heldCost(pipe: Pipe, side: 0 | 1): number {
    return pipe.heldBytes[side] + pipe.held[side].length * MESSAGE_OVERHEAD_BYTES
  }

  private pauseIfHoldFull(pipe: Pipe, side: 0 | 1): void {
    if (pipe.holdPaused[side] || !pipe.ready[side] || this.heldCost(pipe, side) < this.limits.holdPauseBytes) return
    pipe.holdPaused[side] = true
    pipe.sockets[side]!.pause()
  }

  private throttle(pipe: Pipe, side: 0 | 1): void {
    if (pipe.throttled[side]) return
    pipe.throttled[side] = true
    pipe.sockets[side]!.pause()
  }

  /**
   * Each message written to the kernel (or failed with its socket) lands here. A throttled sender
   * resumes once its receiver's queue is down to half the high-water mark; counting writes rather
   * than waiting for 'drain' also covers queues that are long in messages but short in bytes.
   */
  private written(pipe: Pipe, side: 0 | 1): void {
    pipe.inFlight[side]--
    if (!pipe.throttled[side]) return
    const receiver = pipe.sockets[side ^ 1]!
    if (pipe.inFlight[side] > 0 && this.queuedFor(pipe, side, receiver) > this.limits.pipeHighWaterMark / 2) return
    pipe.throttled[side] = false
    if (!pipe.closed && !pipe.holdPaused[side]) pipe.sockets[side]!.resume()
  }

  private holdTimedOut(pipe: Pipe): void {
    pipe.holdTimer = undefined
    const seconds = Math.round(this.limits.holdTimeoutMs / 100) / 10
    this.dropWaiting(pipe, 'holdTimeout', `partner did not connect within ${seconds} s`)
  }

  /**
   * A peer asking again for a pipe that is live means its side of the old one is gone (a network
   * change leaves it half-open). The old pipe is closed at once, and once the other side's old
   * socket has closed it is introduced again: the published Client ignores introductions for a
   * pipe it still has, so without this the two would never meet again.
   */
  private closeStale(from: string, to: string, documentId: string): void {
    const stale = this.liveByKey.get(pipeKey(from, to, documentId)) ?? this.liveByKey.get(pipeKey(to, from, documentId))
    if (!stale) return
    const staleSide = stale.peers[0] === from ? 0 : 1
    stale.reintroduceUntil = Date.now() + REINTRODUCE_WINDOW_MS
    this.activity.refusal('replaced', {
      peerId: from,
      otherPeerId: to,
      documentIds: [documentId],
      reason: closeReason('replaced', 'a newer connection for the same pipe; the old one was stale'),
    })
    stale.sockets[staleSide]!.terminate()
  }

  private dropWaiting(pipe: Pipe, kind: 'replaced' | 'holdOverflow' | 'holdTimeout', detail: string): void {
    const socket = pipe.sockets[0]
    // Out of the map now, so no partner can pair with a socket that is on its way out.
    if (this.waiting.get(pipe.key) === pipe) this.waiting.delete(pipe.key)
    clearTimeout(pipe.holdTimer)
    pipe.holdTimer = undefined
    this.activity.refusal(kind, {
      peerId: pipe.peers[0],
      otherPeerId: pipe.peers[1],
      documentIds: [pipe.documentId],
      address: socket.remoteAddress,
      reason: closeReason(kind, detail),
    })
    pipe.held[0] = []
    socket.refuse(kind, detail)
  }
}

function view(pipe: Pipe): PipeView {
  return {
    id: pipe.id,
    documentId: pipe.documentId,
    peers: [pipe.peers[0], pipe.peers[1]],
    state: pipe.sockets[1] === undefined ? 'waiting' : 'live',
    openedAt: pipe.openedAt,
    ...(pipe.liveSince ? { liveSince: pipe.liveSince } : {}),
    bytes: [pipe.bytes[0], pipe.bytes[1]],
    messages: [pipe.messages[0], pipe.messages[1]],
    bytesPerSecond: [pipe.bytesPerSecond[0], pipe.bytesPerSecond[1]],
    heldBytes: pipe.heldBytes[0] + pipe.heldBytes[1],
    throttled: [pipe.throttled[0] || pipe.holdPaused[0], pipe.throttled[1] || pipe.holdPaused[1]],
  }
}
