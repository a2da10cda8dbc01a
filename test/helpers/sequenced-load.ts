/**
 * A busy office on one relay: peers on their introduction sockets, each joined to a document, and
 * live pipes between pairs of them carrying traffic in both directions. Every message carries its
 * direction's sequence number and is checked on arrival, so a lost, duplicated or reordered message
 * and any closed socket are counted. Traffic is self-clocked: each side keeps `window` messages in
 * flight and sends the next one when one arrives, so the relay is kept busy without piling up.
 */
import { pack } from 'msgpackr'
import { WebSocket } from 'ws'

export interface LoadSize {
  peers: number
  /** Pipes between peer k and peer k + peers/2, on the document they share; at most peers/2. */
  pipes: number
  /** Messages in flight per direction. */
  window?: number
  /** Bytes per message (at least 4: the sequence number). */
  size?: number
}

interface Direction {
  sent: number
  received: number
}

export interface LoadReport {
  sockets: number
  sent: number
  received: number
  /** Sockets that closed, with their close code and reason. */
  closes: string[]
  /** Messages that arrived out of sequence (lost, duplicated or reordered before them). */
  disorders: string[]
}

const openSocket = (url: string): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false })
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })

export class SequencedLoad {
  private readonly sockets: WebSocket[] = []
  private readonly directions: Direction[] = []
  /** The socket each direction sends on. */
  private readonly senders: WebSocket[] = []
  private readonly closes: string[] = []
  private readonly disorders: string[] = []
  private running = true
  private waiters: (() => void)[] = []
  private stopped = false

  private constructor(private readonly payloadSize: number) {}

  /** Connects everyone (through `url`, which may carry an access token) and starts the traffic. */
  static async start(url: string, { peers, pipes, window = 4, size = 64 }: LoadSize): Promise<SequencedLoad> {
    const load = new SequencedLoad(Math.max(4, size))
    const half = peers / 2
    const documentOf = (k: number) => `doc-${k % half}`
    const peerId = (k: number) => `peer-${String(k).padStart(3, '0')}`
    for (let k = 0; k < peers; k++) {
      const socket = load.track(await openSocket(`${url}/introduction/${peerId(k)}`), `introduction ${peerId(k)}`)
      socket.send(pack({ type: 'Join', documentIds: [documentOf(k)] }))
    }
    for (let k = 0; k < pipes; k++) {
      const [a, b] = [peerId(k), peerId(k + half)]
      const toB = load.track(await openSocket(`${url}/connection/${a}/${b}/${documentOf(k)}`), `pipe ${a}→${b}`)
      const toA = load.track(await openSocket(`${url}/connection/${b}/${a}/${documentOf(k)}`), `pipe ${b}→${a}`)
      // What a sends arrives at b's socket, and the other way round; the relay holds what comes
      // before the partner is ready, so sending at once loses nothing.
      load.link(toB, toA, `${a}→${b}`)
      load.link(toA, toB, `${b}→${a}`)
    }
    for (let i = 0; i < load.directions.length; i++) for (let n = 0; n < window; n++) load.send(i)
    return load
  }

  /** Resolves once `count` more messages have arrived than had when it was called. */
  async flowing(count: number, timeoutMs = 10_000): Promise<void> {
    const target = this.total('received') + count
    await this.until(() => this.total('received') >= target, timeoutMs, `${count} more messages`)
  }

  /** Stops sending and waits until every message sent has arrived; then `report` is final. */
  async drain(timeoutMs = 10_000): Promise<LoadReport> {
    this.running = false
    await this.until(() => this.directions.every(d => d.received === d.sent), timeoutMs, 'every message sent to arrive')
    return this.report()
  }

  report(): LoadReport {
    return {
      sockets: this.sockets.length,
      sent: this.total('sent'),
      received: this.total('received'),
      closes: [...this.closes],
      disorders: [...this.disorders],
    }
  }

  /** Closes everything; closes from here on are not counted. */
  close(): void {
    this.stopped = true
    this.running = false
    for (const socket of this.sockets) socket.terminate()
  }

  private track(socket: WebSocket, name: string): WebSocket {
    this.sockets.push(socket)
    socket.on('close', (code: number, reason: Buffer) => {
      if (!this.stopped) this.closes.push(`${name}: ${code} ${reason.toString()}`)
      this.wake()
    })
    socket.on('error', () => undefined)
    return socket
  }

  /** Messages sent on `from` arrive at `to`; each arrival sends the next message back the other way. */
  private link(from: WebSocket, to: WebSocket, name: string): void {
    const index = this.directions.length
    const direction: Direction = { sent: 0, received: 0 }
    this.directions.push(direction)
    this.senders.push(from)
    to.on('message', (data: Buffer) => {
      const sequence = data.length >= 4 ? data.readUInt32BE(0) : -1
      if (sequence !== direction.received && this.disorders.length < 20) this.disorders.push(`${name}: got #${sequence}, expected #${direction.received}`)
      direction.received++
      // The reply goes the other way: the direction whose sender is `to`.
      if (this.running) this.send(index ^ 1)
      this.wake()
    })
  }

  private send(index: number): void {
    const socket = this.senders[index]!
    if (socket.readyState !== WebSocket.OPEN) return
    const direction = this.directions[index]!
    const message = Buffer.alloc(this.payloadSize, 0x5a)
    message.writeUInt32BE(direction.sent++, 0)
    socket.send(message)
  }

  private total(field: keyof Direction): number {
    return this.directions.reduce((sum, direction) => sum + direction[field], 0)
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake()
  }

  private async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (this.closes.length > 0) throw new Error(`waiting for ${what}, sockets closed: ${this.closes.slice(0, 5).join('; ')}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ ...this.report(), closes: undefined })}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}
