import type { Socket } from 'node:net'
import { closeReason } from '../../shared/close-codes.js'
import type { RelayLimits } from '../../shared/limits.js'
import type { PipeView } from '../../shared/relay-model.js'
import type { RelayActivity } from './activity.js'
import { MESSAGE_OVERHEAD_BYTES, Pipe, type PipeSide } from './pipe-state.js'
import type { RelaySocket } from './relay-socket.js'

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
  /** Receivers corked in this batch; see `send`. */
  private corked: Socket[] = []
  /** Counts batches (the work of one I/O callback) that carried pipe traffic; a receiver remembers the last it was written to in. */
  private batch = 1
  private batchEndScheduled = false

  constructor(
    private readonly limits: RelayLimits,
    private readonly activity: RelayActivity,
    /** Asks for an introduction to be sent again, after a stale pipe was closed. */
    private readonly reintroduce: (peerId: string, otherPeerId: string, documentId: string) => void,
    /** Told once when a live pipe closes, with its final counters. */
    private readonly onLiveClosed: (pipe: Pipe) => void = () => undefined,
  ) {}

  get waitingCount(): number {
    return this.waiting.size
  }

  get liveCount(): number {
    return this.live.size
  }

  open(socket: RelaySocket, from: string, to: string, documentId: string, now = Date.now()): void {
    this.closeStale(from, to, documentId)
    const partner = this.waiting.get(pipeKey(to, from, documentId))
    if (partner) this.connect(partner, socket, now)
    else this.wait(socket, from, to, documentId, now)
    socket.ping()
  }

  /** A pipe socket answered a ping: the first answer makes it ready to be sent to. */
  ponged(side: PipeSide): void {
    if (side.state === 'awaiting-pong') this.markReady(side)
  }

  /** The hot path: one call per message on a pipe socket. */
  forward(socket: RelaySocket, data: Buffer, isBinary: boolean): void {
    const from = socket.pipeSide!
    // A client sends only after its open handler ran, so a message proves readiness like a pong.
    if (from.state === 'awaiting-pong') this.markReady(from)
    const to = from.partner
    if (!to.ready) {
      this.hold(from, data, isBinary)
      return
    }
    const receiver = to.socket!
    from.sent(data.length)
    this.send(from, receiver, data, isBinary)
    if (this.queuedFor(from, receiver) >= this.limits.pipeHighWaterMark) this.throttle(from)
  }

  /** Bytes waiting to go out to `receiver` from `from`, counting per-message overhead. */
  private queuedFor(from: PipeSide, receiver: RelaySocket): number {
    return receiver.bufferedAmount + from.inFlight * MESSAGE_OVERHEAD_BYTES
  }

  /**
   * The first frame for a receiver in a batch is written at once, so a lone message waits for
   * nothing. Further small frames for it in the same batch (the frames one read of its sender
   * carried) go out in a single write: its TCP socket is corked on the second and uncorked as soon
   * as that read is processed, so a busy pipe costs one syscall per read instead of one per
   * message. Not at the end of the event-loop turn: in a connection burst the rest of the turn's
   * I/O takes tens of milliseconds, and every frame held until then waited for all of it (the
   * burst row's ping p99 was twice the raw relay's).
   */
  private send(from: PipeSide, receiver: RelaySocket, data: Buffer, isBinary: boolean): void {
    if (receiver.writtenInBatch !== this.batch) {
      receiver.writtenInBatch = this.batch
      this.endBatchSoon()
    } else if (data.length < CORK_BELOW_BYTES) {
      const tcp = tcpOf(receiver)
      if (tcp.writableCorked === 0) {
        tcp.cork()
        this.corked.push(tcp)
      }
    }
    from.inFlight++
    receiver.send(data, isBinary ? BINARY : TEXT, from.onWritten)
  }

  /** process.nextTick runs once the I/O callback that read the frames has returned. */
  private endBatchSoon(): void {
    if (this.batchEndScheduled) return
    this.batchEndScheduled = true
    process.nextTick(this.endBatch)
  }

  private readonly endBatch = (): void => {
    this.batchEndScheduled = false
    this.batch++
    const corked = this.corked
    this.corked = []
    for (const tcp of corked) tcp.uncork()
  }

  /** Every socket's close lands here; a pipe socket's other side is closed to match. */
  closed(socket: RelaySocket, code: number, reason: string): void {
    const side = socket.pipeSide
    if (!side) return
    const pipe = side.pipe
    if (pipe.closed) {
      // The second socket of a live pipe: now both are gone.
      if (pipe.paired) this.finish(pipe)
      return
    }
    pipe.closed = true
    clearTimeout(pipe.holdTimer)
    if (!pipe.paired) {
      if (this.waiting.get(pipe.key) === pipe) this.waiting.delete(pipe.key)
    } else {
      this.live.delete(pipe)
      this.closedMessages += pipe.messages
      this.closedBytes += pipe.bytes
      this.onLiveClosed(pipe)
      const partner = side.partner
      // What this side sent before closing still reaches the partner once it can take it.
      if (side.held.length > 0 && !partner.ready) pipe.closeAfterFlush = true
      else partner.socket!.refuse('partnerClosed')
      if (partner.socket!.readyState === partner.socket!.CLOSED) this.finish(pipe)
    }
    const [first, second] = pipe.sides
    if (!pipe.closeAfterFlush) {
      first.dropHeld()
      second.dropHeld()
    }
    this.activity.record({
      kind: 'pipe-close',
      peerId: first.peerId,
      otherPeerId: second.peerId,
      documentIds: [pipe.documentId],
      code,
      reason,
    })
  }

  totals(): { messages: number; bytes: number } {
    let messages = this.closedMessages
    let bytes = this.closedBytes
    for (const pipe of this.live) {
      messages += pipe.messages
      bytes += pipe.bytes
    }
    return { messages, bytes }
  }

  /** Updates each live pipe's current rate; called once per sampling interval. */
  sampleRates(now = Date.now()): void {
    const seconds = Math.max(0.001, (now - this.lastSampleAt) / 1000)
    this.lastSampleAt = now
    for (const pipe of this.live) {
      pipe.sides[0].sampleRate(seconds)
      pipe.sides[1].sampleRate(seconds)
    }
  }

  /** Pipes with both sockets connected. */
  livePipes(): Iterable<Pipe> {
    return this.live
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
    const [a, b] = pipe.sides
    this.reintroduce(a.peerId, b.peerId, pipe.documentId)
    this.reintroduce(b.peerId, a.peerId, pipe.documentId)
  }

  private wait(socket: RelaySocket, from: string, to: string, documentId: string, now: number): void {
    const key = pipeKey(from, to, documentId)
    const earlier = this.waiting.get(key)
    if (earlier) {
      // The same side asked again (a Client that reconnected): the newer socket is the one in use.
      this.waiting.delete(key)
      this.dropWaiting(earlier, 'replaced', 'a newer connection for the same pipe')
    }
    const pipe = new Pipe(this.nextId++, key, documentId, from, to, now, this.written)
    pipe.holdTimer = setTimeout(() => this.holdTimedOut(pipe), this.limits.holdTimeoutMs)
    pipe.sides[0].attach(socket)
    this.waiting.set(key, pipe)
    this.activity.record({ kind: 'pipe-waiting', peerId: from, otherPeerId: to, documentIds: [documentId] })
  }

  private connect(pipe: Pipe, socket: RelaySocket, now: number): void {
    this.waiting.delete(pipe.key)
    clearTimeout(pipe.holdTimer)
    pipe.holdTimer = undefined
    const [first, second] = pipe.sides
    second.attach(socket)
    pipe.liveSince = now
    this.live.add(pipe)
    this.liveByKey.set(pipe.key, pipe)
    this.activity.totals.pipesOpened++
    this.activity.record({
      kind: 'pipe-open',
      peerId: first.peerId,
      otherPeerId: second.peerId,
      documentIds: [pipe.documentId],
    })
    // What the first side sent while waiting goes out once this socket answers its first ping.
    this.flush(first)
  }

  /** The side's socket answered its first ping (or sent something), so it may be sent to. */
  private markReady(side: PipeSide): void {
    const pipe = side.pipe
    if ((pipe.closed && !pipe.closeAfterFlush) || side.state !== 'awaiting-pong') return
    side.markReady()
    this.flush(side.partner)
    if (pipe.closeAfterFlush) {
      pipe.closeAfterFlush = false
      side.socket!.refuse('partnerClosed')
      return
    }
    // A socket that is not yet ready keeps being read (its pong must get through); its hold is
    // paused only now, if it filled up in the meantime.
    this.pauseIfHoldFull(side)
  }

  /** Delivers what `from` sent while its partner could not take it, then lets `from` go on. */
  private flush(from: PipeSide): void {
    if (!from.partner.ready) return
    const receiver = from.partner.socket!
    if (from.held.length > 0) {
      for (const message of from.takeHeld()) {
        from.sent(message.data.length)
        this.send(from, receiver, message.data, message.isBinary)
      }
    }
    if (from.state === 'hold-full') {
      if (this.queuedFor(from, receiver) >= this.limits.pipeHighWaterMark) from.pause('throttled')
      else from.resume()
    }
  }

  private hold(from: PipeSide, data: Buffer, isBinary: boolean): void {
    from.heldBytes += data.length
    if (from.heldCost + MESSAGE_OVERHEAD_BYTES > this.limits.maxHeldBytes) {
      const detail = `more than ${this.limits.maxHeldBytes} bytes sent before the partner could take them`
      if (!from.pipe.paired) this.dropWaiting(from.pipe, 'holdOverflow', detail)
      else {
        this.activity.refusal('holdOverflow', {
          peerId: from.peerId,
          address: from.socket!.remoteAddress,
          reason: closeReason('holdOverflow', detail),
        })
        from.socket!.refuse('holdOverflow', detail)
      }
      return
    }
    from.held.push({ data, isBinary })
    this.pauseIfHoldFull(from)
  }

  private pauseIfHoldFull(side: PipeSide): void {
    if (side.state === 'flowing' && side.heldCost >= this.limits.holdPauseBytes) side.pause('hold-full')
  }

  private throttle(side: PipeSide): void {
    if (side.state !== 'throttled') side.pause('throttled')
  }

  /**
   * Each message written to the kernel (or failed with its socket) lands here. A throttled sender
   * resumes once its receiver's queue is down to half the high-water mark; counting writes rather
   * than waiting for 'drain' also covers queues that are long in messages but short in bytes.
   */
  private readonly written = (from: PipeSide): void => {
    from.inFlight--
    if (from.state !== 'throttled') return
    if (from.inFlight > 0 && this.queuedFor(from, from.partner.socket!) > this.limits.pipeHighWaterMark / 2) return
    // A closed pipe's sockets are on their way out; they are not read again.
    if (!from.pipe.closed) from.resume()
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
    const staleSide = stale.sides[0].peerId === from ? stale.sides[0] : stale.sides[1]
    stale.reintroduceUntil = Date.now() + REINTRODUCE_WINDOW_MS
    this.activity.refusal('replaced', {
      peerId: from,
      otherPeerId: to,
      documentIds: [documentId],
      reason: closeReason('replaced', 'a newer connection for the same pipe; the old one was stale'),
    })
    staleSide.socket!.terminate()
  }

  private dropWaiting(pipe: Pipe, kind: 'replaced' | 'holdOverflow' | 'holdTimeout', detail: string): void {
    const [first, second] = pipe.sides
    const socket = first.socket!
    // Out of the map now, so no partner can pair with a socket that is on its way out.
    if (this.waiting.get(pipe.key) === pipe) this.waiting.delete(pipe.key)
    clearTimeout(pipe.holdTimer)
    pipe.holdTimer = undefined
    this.activity.refusal(kind, {
      peerId: first.peerId,
      otherPeerId: second.peerId,
      documentIds: [pipe.documentId],
      address: socket.remoteAddress,
      reason: closeReason(kind, detail),
    })
    first.dropHeld()
    socket.refuse(kind, detail)
  }
}

function view(pipe: Pipe): PipeView {
  const [first, second] = pipe.sides
  return {
    id: pipe.id,
    documentId: pipe.documentId,
    peers: [first.peerId, second.peerId],
    state: pipe.paired ? 'live' : 'waiting',
    openedAt: pipe.openedAt,
    ...(pipe.liveSince ? { liveSince: pipe.liveSince } : {}),
    bytes: [first.bytes, second.bytes],
    messages: [first.messages, second.messages],
    bytesPerSecond: [first.bytesPerSecond, second.bytesPerSecond],
    heldBytes: first.heldBytes + second.heldBytes,
    throttled: [first.paused, second.paused],
  }
}
