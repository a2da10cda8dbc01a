import { WebSocket } from 'ws'
import { CLOSE, closeReason, type CloseKind } from '../../shared/close-codes.js'
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
  /** The pipe registry's batch this socket was last written to in (see PipeRegistry.send). */
  writtenInBatch = 0
  /** Why the relay closed this socket, if it did; reported in the close event. */
  closedAs: CloseKind | undefined = undefined
  /** Set when ws closed this socket for a protocol error before anything else closed it. */
  protocolFailure: { kind: CloseKind; reason: string } | undefined = undefined

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
