import type { RelaySocket } from './relay-socket.js'

/**
 * What holding one message (a view that keeps its whole read buffer alive) or queuing one write
 * (the stream's request objects) costs beyond its bytes. Limits count it, so a flood of empty or
 * tiny messages is bounded like a flood of big ones.
 */
export const MESSAGE_OVERHEAD_BYTES = 256

export interface HeldMessage {
  data: Buffer
  isBinary: boolean
}

/**
 * Where one side of a pipe is in its life:
 * - 'absent': its socket has not arrived; the pipe waits for it.
 * - 'awaiting-pong': its socket is open but may not be sent to until it answers the first ping
 *   (see PipeRegistry).
 * - 'flowing': it may be sent to, and what it sends is read.
 * - 'throttled': not read, because its partner's send queue is full; resumed as writes complete.
 * - 'hold-full': not read, because what it sent is held for a partner that cannot take it yet;
 *   resumed once the partner can.
 * A side never leaves 'flowing' for 'hold-full' after its partner is ready, nor for 'throttled'
 * before, so the two pauses cannot overlap.
 */
export type PipeSideState = 'absent' | 'awaiting-pong' | 'flowing' | 'throttled' | 'hold-full'

/** One peer's end of a pipe. Its counters and hold are about what this side sends. */
export class PipeSide {
  state: PipeSideState = 'absent'
  socket: RelaySocket | undefined = undefined
  /** Set by the Pipe right after both sides exist. */
  partner!: PipeSide
  bytes = 0
  messages = 0
  bytesPerSecond = 0
  private sampledBytes = 0
  /** Messages its partner cannot take yet, in order. */
  held: HeldMessage[] = []
  heldBytes = 0
  /** Writes toward the partner's socket (a batch of messages, or one large message) not yet handed to the kernel. */
  inFlight = 0
  /** The write callback for everything this side sends; one closure per side, not per write. */
  readonly onWritten: () => void

  constructor(
    readonly pipe: Pipe,
    readonly peerId: string,
    written: (side: PipeSide) => void,
  ) {
    this.onWritten = () => written(this)
  }

  /** Whether its socket may be sent to. */
  get ready(): boolean {
    return this.state !== 'absent' && this.state !== 'awaiting-pong'
  }

  get paused(): boolean {
    return this.state === 'throttled' || this.state === 'hold-full'
  }

  /** What its hold costs against the limits. */
  get heldCost(): number {
    return this.heldBytes + this.held.length * MESSAGE_OVERHEAD_BYTES
  }

  attach(socket: RelaySocket): void {
    this.socket = socket
    this.state = 'awaiting-pong'
    socket.pipeSide = this
  }

  markReady(): void {
    this.state = 'flowing'
  }

  pause(why: 'throttled' | 'hold-full'): void {
    this.state = why
    this.socket!.pause()
  }

  resume(): void {
    this.state = 'flowing'
    this.socket!.resume()
  }

  /** Counts one message handed on to the partner. */
  sent(bytes: number): void {
    this.bytes += bytes
    this.messages++
  }

  /** Empties the hold and returns what it held. */
  takeHeld(): HeldMessage[] {
    const held = this.held
    this.held = []
    this.heldBytes = 0
    return held
  }

  /** Forgets what is held; the partner will never take it. */
  dropHeld(): void {
    this.held = []
  }

  sampleRate(seconds: number): void {
    this.bytesPerSecond = Math.round((this.bytes - this.sampledBytes) / seconds)
    this.sampledBytes = this.bytes
  }
}

/** A pipe between two peers for one document; sides[0] is the socket that connected first. */
export class Pipe {
  readonly sides: readonly [PipeSide, PipeSide]
  liveSince = 0
  holdTimer: NodeJS.Timeout | undefined = undefined
  closed = false
  /** One side closed while what it sent was still held for a partner that was not ready. */
  closeAfterFlush = false
  /**
   * Until when a close of this pipe should be followed by introducing its peers again: set when
   * an introduction for the pair reached a Client that still had this pipe and so ignored it.
   */
  reintroduceUntil = 0

  constructor(
    readonly id: number,
    readonly key: string,
    readonly documentId: string,
    from: string,
    to: string,
    readonly openedAt: number,
    written: (side: PipeSide) => void,
  ) {
    const first = new PipeSide(this, from, written)
    const second = new PipeSide(this, to, written)
    first.partner = second
    second.partner = first
    this.sides = [first, second]
  }

  /** Whether the second socket has arrived (the pipe is live, or was until it closed). */
  get paired(): boolean {
    return this.sides[1].socket !== undefined
  }

  get messages(): number {
    return this.sides[0].messages + this.sides[1].messages
  }

  get bytes(): number {
    return this.sides[0].bytes + this.sides[1].bytes
  }
}
