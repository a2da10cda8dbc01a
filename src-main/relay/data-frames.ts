import type { Socket } from 'node:net'

/**
 * Relayed messages are written to the receiver's TCP socket as WebSocket frames by the relay itself
 * rather than through ws's `send`. Per message, ws builds two option objects, allocates a header and
 * makes two stream writes, each with its own bookkeeping: more than the whole rest of forwarding a
 * small message. Here small messages are copied, header and payload, into one buffer per receiver
 * and written with one call; large ones get a header and are written as they are.
 *
 * Writing beside ws is safe on pipe sockets because ws writes every frame of its own (pings, pongs,
 * the close frame) whole and at once: without permessage-deflate (off on every relay socket) its
 * sender never queues. A frame queued here must reach the socket before ws's close frame, which
 * RelaySocket.close sees to.
 */

/** Payloads below this are copied into the receiver's batch; copying them costs less than a write. */
export const COPY_BELOW_BYTES = 16 * 1024

/** Server frames are unmasked: FIN + opcode, then a 7-, 16- or 64-bit length. */
export function frameHeaderLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 0x10000 ? 4 : 10
}

/** Writes a final text or binary frame's header at `at`; returns where the payload goes. */
export function putFrameHeader(target: Buffer, at: number, payloadLength: number, isBinary: boolean): number {
  target[at] = isBinary ? 0x82 : 0x81
  if (payloadLength < 126) {
    target[at + 1] = payloadLength
    return at + 2
  }
  if (payloadLength < 0x10000) {
    target[at + 1] = 126
    target.writeUInt16BE(payloadLength, at + 2)
    return at + 4
  }
  target[at + 1] = 127
  target.writeUInt32BE(Math.floor(payloadLength / 0x1_0000_0000), at + 2)
  target.writeUInt32BE(payloadLength >>> 0, at + 6)
  return at + 10
}

/** One frame with a payload too big to copy: its header and the payload as they are, in one writev. */
export function writeLargeFrame(tcp: Socket, data: Buffer, isBinary: boolean, onWritten: (error?: Error | null) => void): void {
  const header = Buffer.allocUnsafe(frameHeaderLength(data.length))
  putFrameHeader(header, 0, data.length, isBinary)
  tcp.cork()
  tcp.write(header)
  tcp.write(data, onWritten)
  tcp.uncork()
}

/**
 * Frames queued for one receiver, written together as one buffer. `payloads` and `binary` are
 * parallel; `frameBytes` counts the frames' full size, headers included.
 */
export class FrameBatch {
  payloads: Buffer[] = []
  binary: boolean[] = []
  frameBytes = 0

  get size(): number {
    return this.payloads.length
  }

  add(data: Buffer, isBinary: boolean): void {
    this.payloads.push(data)
    this.binary.push(isBinary)
    this.frameBytes += frameHeaderLength(data.length) + data.length
  }

  /** Copies every queued frame into one buffer, empties the batch and writes the buffer. */
  writeTo(tcp: Socket, onWritten: (error?: Error | null) => void): void {
    const out = Buffer.allocUnsafe(this.frameBytes)
    let at = 0
    const { payloads, binary } = this
    for (let i = 0; i < payloads.length; i++) {
      const data = payloads[i]!
      at = putFrameHeader(out, at, data.length, binary[i]!)
      at += data.copy(out, at)
    }
    this.clear()
    tcp.write(out, onWritten)
  }

  /** Forgets what is queued; the receiver is gone. */
  clear(): void {
    this.payloads.length = 0
    this.binary.length = 0
    this.frameBytes = 0
  }
}
