import type { Socket } from 'node:net'
import { WebSocket } from 'ws'
import { CLOSE, closeReason, type CloseKind } from '../../shared/close-codes.js'
import { FrameBatch } from './data-frames.js'
import type { Peer } from './peers.js'
import type { PipeSide } from './pipe-state.js'

/**
 * A server-side WebSocket that carries the relay's bookkeeping as plain fields, so the hot path
 * reaches its pipe or peer without a map lookup.
 */
export class RelaySocket extends WebSocket {
  remoteAddress = ''
  /** Cleared before each server ping and set by the pong (or any message). */
  answeredPing = true
  /** Bytes queued toward this socket right after the last server ping, to tell a slow reader from a dead one. */
  queuedAtPing = 0
  /** Largest message this socket accepts; named in the reason when ws closes it with 1009. */
  maxMessageBytes = 0
  peer: Peer | undefined = undefined
  pipeSide: PipeSide | undefined = undefined
  /** Small relayed messages for this socket, written together once the read that carried them is handled (see PipeRegistry.send). */
  readonly batch = new FrameBatch()
  /** Why the relay closed this socket, if it did; reported in the close event. */
  closedAs: CloseKind | undefined = undefined
  /** Set when ws closed this socket for a protocol error before anything else closed it. */
  protocolFailure: { kind: CloseKind; reason: string } | undefined = undefined

  /** The TCP (or TLS) socket under this one; ws keeps it in a private field. */
  get tcp(): Socket {
    return (this as unknown as { _socket: Socket })._socket
  }

  /** Writes the batched messages, if any; a socket on its way out gets nothing more. */
  writeBatch(): void {
    const batch = this.batch
    if (batch.size === 0) return
    const tcp = this.tcp
    if (this.readyState !== WebSocket.OPEN || tcp.destroyed) return batch.clear()
    // Only a pipe socket's partner sends to it.
    const from = this.pipeSide!.partner
    from.inFlight++
    batch.writeTo(tcp, from.onWritten)
  }

  /** Closes with the code and reason of one refusal kind. */
  refuse(kind: CloseKind, detail?: string): void {
    if (this.readyState !== WebSocket.OPEN && this.readyState !== WebSocket.CONNECTING) return
    this.closedAs ??= kind
    // A paused socket could not read the peer's close frame, so the handshake would stall.
    if (this.isPaused) this.resume()
    this.close(CLOSE[kind].code, closeReason(kind, detail))
  }

  /**
   * ws closes on protocol errors by itself with a bare code; this fills in a readable reason so
   * every close the relay sends says why.
   */
  override close(code?: number, reason?: string | Buffer): void {
    if (reason === undefined && code !== undefined) {
      const kind = kindOfWsClose(code)
      if (kind) {
        reason = closeReason(kind, kind === 'tooBig' ? `limit is ${this.maxMessageBytes} bytes` : undefined)
        if (this.closedAs === undefined) this.protocolFailure = { kind, reason }
        this.closedAs ??= kind
      }
    }
    // What was relayed before the close must reach the peer before the close frame.
    this.writeBatch()
    super.close(code, reason)
  }
}

function kindOfWsClose(code: number): CloseKind | undefined {
  switch (code) {
    case CLOSE.tooBig.code:
      return 'tooBig'
    case CLOSE.invalidData.code:
      return 'invalidData'
    case CLOSE.protocolError.code:
      return 'protocolError'
    default:
      return undefined
  }
}
