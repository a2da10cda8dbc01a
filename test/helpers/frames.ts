/**
 * Raw WebSocket frames over a plain TCP socket, for input a `ws` client refuses to send: invalid
 * UTF-8 in text frames, reserved opcodes, RSV bits, unmasked client frames, oversized or fragmented
 * control frames, close frames with bad codes, connections dropped mid-handshake. Also
 * `assertRelayWorks`, the check every crash test ends with.
 */
import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'
import { unpack } from 'msgpackr'
import { expect } from 'vitest'
import { openPeer, type RawPeer } from './relay.js'

export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const

export interface FrameOptions {
  opcode: number
  payload?: Buffer | string
  /** Defaults to true. */
  fin?: boolean
  /** The three reserved bits, 0–7 (RSV1 is 4). */
  rsv?: number
  /** Clients must mask; defaults to true. */
  mask?: boolean
}

/** Encodes one WebSocket frame exactly as asked, however wrong. */
export function encodeFrame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, mask = true }: FrameOptions): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload
  const length = data.length
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8
  const head = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0))
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf)
  head[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127)
  if (lengthBytes === 2) head.writeUInt16BE(length, 2)
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(length), 2)
  if (!mask) return Buffer.concat([head, data])
  const key = randomBytes(4)
  key.copy(head, 2 + lengthBytes)
  const masked = Buffer.alloc(length)
  for (let i = 0; i < length; i++) masked[i] = data[i]! ^ key[i & 3]!
  return Buffer.concat([head, masked])
}

/** Only a frame's header, claiming `length` payload bytes that need never follow (64-bit length form). */
export function encodeFrameHeader(opcode: number, length: bigint, { fin = true, mask = true } = {}): Buffer {
  const head = Buffer.alloc(10 + (mask ? 4 : 0))
  head[0] = (fin ? 0x80 : 0) | (opcode & 0xf)
  head[1] = (mask ? 0x80 : 0) | 127
  head.writeBigUInt64BE(length, 2)
  if (mask) randomBytes(4).copy(head, 10)
  return head
}

/** A close frame's payload: the code and a reason (either may be omitted or deliberately bad). */
export function closePayload(code?: number, reason: Buffer | string = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0)
  const head = Buffer.alloc(2)
  head.writeUInt16BE(code)
  return Buffer.concat([head, typeof reason === 'string' ? Buffer.from(reason) : reason])
}

export interface ParsedFrame {
  fin: boolean
  rsv: number
  opcode: number
  masked: boolean
  payload: Buffer
}

/** Splits a byte stream from the server into frames. */
class FrameReader {
  private buffer: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): ParsedFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const frames: ParsedFrame[] = []
    for (;;) {
      const b = this.buffer
      if (b.length < 2) break
      const masked = (b[1]! & 0x80) !== 0
      let length = b[1]! & 0x7f
      let at = 2
      if (length === 126) {
        if (b.length < 4) break
        length = b.readUInt16BE(2)
        at = 4
      } else if (length === 127) {
        if (b.length < 10) break
        length = Number(b.readBigUInt64BE(2))
        at = 10
      }
      const key = masked ? b.subarray(at, at + 4) : undefined
      if (masked) at += 4
      if (b.length < at + length) break
      const payload = Buffer.from(b.subarray(at, at + length))
      if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!
      frames.push({ fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0xf, masked, payload })
      this.buffer = b.subarray(at + length)
    }
    return frames
  }
}

export interface HttpReply {
  status: number
  headers: Record<string, string>
  body: string
}

export interface RawFrameSocketOptions {
  /** Answer the server's pings (a pipe socket is sent nothing until it does). Default true. */
  autoPong?: boolean
  /** Echo the server's close frame, as a well-behaved client does. Default true. */
  answerClose?: boolean
  timeoutMs?: number
}

/**
 * A WebSocket client made by hand on a TCP socket. It records every frame the server sends, the
 * server's close code and reason, and whether the TCP connection has ended.
 */
export class RawFrameSocket {
  readonly frames: ParsedFrame[] = []
  closeCode: number | undefined
  closeReason = ''
  /** True once the server's close frame has arrived. */
  closeReceived = false
  /** True once the TCP connection is gone. */
  ended = false
  readonly endedPromise: Promise<void>
  private readonly reader = new FrameReader()
  private readonly wakers: (() => void)[] = []
  private closeSent = false

  private constructor(
    readonly socket: net.Socket,
    readonly handshake: HttpReply,
    leftover: Buffer,
    private readonly options: Required<Omit<RawFrameSocketOptions, 'timeoutMs'>>,
  ) {
    this.endedPromise = new Promise(resolve => socket.once('close', () => resolve()))
    socket.on('data', chunk => this.onData(chunk))
    socket.on('close', () => {
      this.ended = true
      this.wake()
    })
    if (leftover.length > 0) this.onData(leftover)
  }

  /**
   * Performs the opening handshake on `path`, written verbatim into the request line. Resolves once
   * the server answers 101; rejects with the status and body otherwise.
   */
  static async open(baseUrl: string, path: string, options: RawFrameSocketOptions = {}): Promise<RawFrameSocket> {
    const { socket, reply, leftover } = await handshake(baseUrl, path, options.timeoutMs ?? 5_000)
    if (reply.status !== 101) {
      socket.destroy()
      throw new Error(`handshake refused: HTTP ${reply.status} ${reply.body.trim()}`)
    }
    return new RawFrameSocket(socket, reply, leftover, { autoPong: options.autoPong ?? true, answerClose: options.answerClose ?? true })
  }

  /** Sends the frames in one write, so the server reads them together. */
  send(...frames: FrameOptions[]): void {
    this.write(Buffer.concat(frames.map(encodeFrame)))
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes)
  }

  sendText(payload: Buffer | string): void {
    this.send({ opcode: OP.text, payload })
  }

  sendBinary(payload: Buffer): void {
    this.send({ opcode: OP.binary, payload })
  }

  /** Data frames (text and binary) received, in order. */
  messages(): ParsedFrame[] {
    return this.frames.filter(frame => frame.opcode === OP.text || frame.opcode === OP.binary)
  }

  /** Resolves once the server has sent its close frame (or the TCP connection ended without one). */
  async waitForClose(timeoutMs = 5_000): Promise<{ code: number | undefined; reason: string }> {
    await this.waitUntil(() => this.closeReceived || this.ended, timeoutMs, 'the server to close')
    return { code: this.closeCode, reason: this.closeReason }
  }

  /** Resolves once the TCP connection is gone. */
  async waitForEnd(timeoutMs = 5_000): Promise<void> {
    await this.waitUntil(() => this.ended, timeoutMs, 'the connection to end')
  }

  async waitForMessages(count: number, timeoutMs = 5_000): Promise<ParsedFrame[]> {
    await this.waitUntil(() => this.messages().length >= count || this.ended, timeoutMs, `${count} messages`)
    const messages = this.messages()
    if (messages.length < count) throw new Error(`connection ended (${this.closeCode} ${this.closeReason}) after ${messages.length}/${count} messages`)
    return messages.slice(0, count)
  }

  /** Sends a close frame (if the connection is still there) and ends the TCP connection. */
  close(code = 1000): void {
    if (!this.closeSent && !this.socket.destroyed) {
      this.closeSent = true
      this.socket.end(encodeFrame({ opcode: OP.close, payload: closePayload(code) }))
    }
  }

  /** Drops the TCP connection without a close frame. */
  destroy(): void {
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      this.frames.push(frame)
      if (frame.opcode === OP.ping && this.options.autoPong) this.write(encodeFrame({ opcode: OP.pong, payload: frame.payload }))
      if (frame.opcode === OP.close) {
        this.closeReceived = true
        this.closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined
        this.closeReason = frame.payload.subarray(2).toString()
        if (this.options.answerClose) this.close(this.closeCode ?? 1000)
      }
    }
    this.wake()
  }

  private wake(): void {
    for (const wake of this.wakers.splice(0)) wake()
  }

  private async waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.wakers.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
}

/** Sends an upgrade request for `path` and returns the HTTP reply, whatever it is (101 or a refusal). */
export async function upgradeReply(baseUrl: string, path: string, timeoutMs = 5_000): Promise<HttpReply> {
  const { socket, reply } = await handshake(baseUrl, path, timeoutMs)
  socket.destroy()
  return reply
}

/** A plain HTTP GET, answered in full (the relay closes or sends Content-Length). */
export async function httpGet(baseUrl: string, path: string, timeoutMs = 5_000): Promise<HttpReply> {
  const { port } = new URL(baseUrl)
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) })
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => (headers[name] = value))
  return { status: response.status, headers, body: await response.text() }
}

/** Opens a TCP connection to the relay (for writing anything at all). */
export async function connectTcp(baseUrl: string): Promise<net.Socket> {
  const { hostname, port } = new URL(baseUrl)
  const socket = net.connect(Number(port), hostname)
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('close', () => reject(new Error('connection closed before connect')))
  })
  return socket
}

/** The opening handshake's request for `path`. */
export function upgradeRequest(baseUrl: string, path: string, key = randomBytes(16).toString('base64')): string {
  const { host } = new URL(baseUrl)
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  )
}

async function handshake(baseUrl: string, path: string, timeoutMs: number): Promise<{ socket: net.Socket; reply: HttpReply; leftover: Buffer }> {
  const socket = await connectTcp(baseUrl)
  const key = randomBytes(16).toString('base64')
  socket.write(upgradeRequest(baseUrl, path, key))
  return await new Promise((resolve, reject) => {
    let received = Buffer.alloc(0)
    let head: { status: number; headers: Record<string, string>; bodyAt: number } | undefined
    const timer = setTimeout(() => finish(new Error(`no handshake reply for ${path} within ${timeoutMs} ms`)), timeoutMs)
    const finish = (error?: Error) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      if (error) {
        socket.destroy()
        return reject(error)
      }
      const body = received.subarray(head!.bodyAt)
      if (head!.status === 101) {
        const expected = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')
        if (head!.headers['sec-websocket-accept'] !== expected) return reject(new Error('bad Sec-WebSocket-Accept'))
        resolve({ socket, reply: { status: 101, headers: head!.headers, body: '' }, leftover: body })
      } else {
        resolve({ socket, reply: { status: head!.status, headers: head!.headers, body: body.toString() }, leftover: Buffer.alloc(0) })
      }
    }
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (!head) {
        const end = received.indexOf('\r\n\r\n')
        if (end === -1) return
        const lines = received.subarray(0, end).toString('latin1').split('\r\n')
        const status = Number(lines[0]!.split(' ')[1])
        const headers: Record<string, string> = {}
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':')
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        head = { status, headers, bodyAt: end + 4 }
      }
      if (head.status === 101) return finish()
      const length = head.headers['content-length']
      if (length !== undefined && received.length - head.bodyAt >= Number(length)) finish()
    }
    const onClose = () => (head ? finish() : finish(new Error(`connection closed before a handshake reply for ${path}`)))
    socket.on('data', onData)
    socket.on('close', onClose)
  })
}

let checks = 0

/**
 * Proves the relay still does its job: two fresh peers Join one document and are introduced to
 * each other, then a pipe carries a held text and binary message byte-for-byte, a reply comes
 * back, and closing one side closes the other with 1000.
 */
export async function assertRelayWorks(url: string): Promise<void> {
  const tag = `${process.pid}-${++checks}-${Date.now().toString(36)}`
  const [a, b, doc] = [`check-a-${tag}`, `check-b-${tag}`, `check-doc-${tag}`]
  const peers: RawPeer[] = []
  try {
    const introA = await openPeer(url, `/introduction/${a}`)
    peers.push(introA)
    const introB = await openPeer(url, `/introduction/${b}`)
    peers.push(introB)
    introA.sendControl({ type: 'Join', documentIds: [doc] })
    introB.sendControl({ type: 'Join', documentIds: [doc] })
    const [toA] = await introA.waitForMessages(1)
    const [toB] = await introB.waitForMessages(1)
    expect(toA!.isBinary).toBe(true)
    expect(unpack(toA!.data)).toEqual({ type: 'Introduction', peerId: b, documentIds: [doc] })
    expect(unpack(toB!.data)).toEqual({ type: 'Introduction', peerId: a, documentIds: [doc] })

    const pipeA = await openPeer(url, `/connection/${a}/${b}/${doc}`)
    peers.push(pipeA)
    pipeA.send('held text')
    pipeA.send(Buffer.from([0, 0xff, 0x80]))
    const pipeB = await openPeer(url, `/connection/${b}/${a}/${doc}`)
    peers.push(pipeB)
    const got = await pipeB.waitForMessages(2)
    expect(got.map(m => [m.isBinary, m.data.toString('hex')])).toEqual([
      [false, Buffer.from('held text').toString('hex')],
      [true, '00ff80'],
    ])
    pipeB.send('reply')
    const [reply] = await pipeA.waitForMessages(1)
    expect([reply!.isBinary, reply!.data.toString()]).toEqual([false, 'reply'])
    await pipeA.close()
    await pipeB.closed
    expect([pipeB.closeCode, pipeB.closeReason]).toEqual([1000, 'partner closed'])
  } finally {
    await Promise.all(peers.map(peer => peer.close()))
  }
}
