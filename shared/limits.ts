/** Every limit the relay enforces. All are configurable; the defaults suit an office LAN. */
export interface RelayLimits {
  /** Largest control message on an introduction socket, in bytes. */
  maxControlMessageBytes: number
  /** Largest single message on a pipe, in bytes. */
  maxPipeMessageBytes: number
  /** A waiting pipe stops reading from its sender once this many bytes are held for the partner. */
  holdPauseBytes: number
  /** Bytes held for a waiting pipe beyond which it is closed (hold overflow). */
  maxHeldBytes: number
  /** How long a pipe may wait for its partner, in ms. */
  holdTimeoutMs: number
  /** Documents one peer may have joined at once. */
  maxDocumentsPerPeer: number
  /**
   * Sustained Join/Leave/heartbeat messages per second from one peer. Bursts up to
   * maxDocumentsPerPeer more are fine (a client joins each document with its own message); a peer
   * that keeps re-joining would otherwise make the relay flood everyone on its documents.
   */
  controlMessagesPerSecond: number
  /** Peers (introduction sockets) at once. */
  maxPeers: number
  /** Open WebSockets from one remote address. */
  maxConnectionsPerAddress: number
  /** New WebSockets per second from one address, sustained; bursts up to maxConnectionsPerAddress. */
  connectionsPerAddressPerSecond: number
  /** A live pipe stops reading from a sender while its receiver has this many bytes queued. */
  pipeHighWaterMark: number
  /** Interval of the server ping, in ms; a socket that misses one ping is reaped. */
  pingIntervalMs: number
  /** A `wss://`/`https://` connection that has not finished its TLS handshake after this many ms is dropped. */
  tlsHandshakeTimeoutMs: number
}

export const DEFAULT_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxControlMessageBytes: 64 * 1024,
  maxPipeMessageBytes: 16 * 1024 * 1024,
  holdPauseBytes: 1024 * 1024,
  maxHeldBytes: 32 * 1024 * 1024,
  holdTimeoutMs: 60_000,
  maxDocumentsPerPeer: 5_000,
  controlMessagesPerSecond: 200,
  maxPeers: 10_000,
  maxConnectionsPerAddress: 2_000,
  connectionsPerAddressPerSecond: 200,
  pipeHighWaterMark: 1024 * 1024,
  pingIntervalMs: 30_000,
  tlsHandshakeTimeoutMs: 10_000,
})

/** Node timers take at most this many milliseconds; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Merges overrides into the defaults, rejecting anything that is not a positive integer or that
 * contradicts another limit.
 */
export function resolveLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  const limits: RelayLimits = { ...DEFAULT_LIMITS }
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_LIMITS)) throw new RangeError(`unknown limit "${key}"`)
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`limit "${key}" must be a positive integer, got ${String(value)}`)
    }
    if (key.endsWith('Ms') && value > MAX_TIMER_MS) {
      throw new RangeError(`limit "${key}" must be at most ${MAX_TIMER_MS} ms, got ${value}`)
    }
    limits[key as keyof RelayLimits] = value
  }
  if (limits.holdPauseBytes > limits.maxHeldBytes) {
    // A lowered hold limit alone brings the pause point down with it; both given and at odds is an error.
    if (overrides.holdPauseBytes === undefined) {
      limits.holdPauseBytes = Math.max(1, Math.floor(limits.maxHeldBytes / 2))
      return limits
    }
    throw new RangeError(
      `holdPauseBytes (${limits.holdPauseBytes}) must not exceed maxHeldBytes (${limits.maxHeldBytes}): a waiting sender is paused before its hold overflows`,
    )
  }
  return limits
}
