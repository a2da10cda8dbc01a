/** Open sockets per remote address, so one host cannot take every slot. */
export class AddressCounter {
  private readonly counts = new Map<string, number>()

  count(address: string): number {
    return this.counts.get(address) ?? 0
  }

  add(address: string): void {
    this.counts.set(address, this.count(address) + 1)
  }

  remove(address: string): void {
    const left = this.count(address) - 1
    if (left > 0) this.counts.set(address, left)
    else this.counts.delete(address)
  }
}

/** A token bucket: `rate` per second sustained, `burst` at once. */
export class RateBudget {
  private tokens: number
  private refilledAt: number

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst
    this.refilledAt = now
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate)
    this.refilledAt = now
    if (this.tokens < 1) return false
    this.tokens--
    return true
  }
}

const FIRST_PENALTY_MS = 1_000
const MAX_PENALTY_MS = 60_000
/** A peer that behaves this long after its last penalty starts again from the first. */
const FORGIVE_AFTER_MS = 5 * 60_000

interface Penalty {
  until: number
  strikes: number
}

/**
 * Peer ids whose introduction socket the relay closed for cause. Their next attempts are refused
 * before the socket opens, for a time that doubles with each strike: the published Client resets
 * its backoff whenever a socket opens, so without this a peer that keeps sending bad input would
 * reconnect every 10 ms.
 */
export class PenaltyBox {
  private readonly penalties = new Map<string, Penalty>()

  penalize(peerId: string, now = Date.now()): void {
    const previous = this.penalties.get(peerId)
    const strikes = previous && now - previous.until < FORGIVE_AFTER_MS ? previous.strikes + 1 : 1
    const duration = Math.min(FIRST_PENALTY_MS * 2 ** (strikes - 1), MAX_PENALTY_MS)
    this.penalties.set(peerId, { until: now + duration, strikes })
  }

  /** Milliseconds until this peer may connect again; 0 if it may now. */
  remaining(peerId: string, now = Date.now()): number {
    const penalty = this.penalties.get(peerId)
    return penalty ? Math.max(0, penalty.until - now) : 0
  }

  prune(now = Date.now()): void {
    for (const [peerId, penalty] of this.penalties) {
      if (now - penalty.until > FORGIVE_AFTER_MS) this.penalties.delete(peerId)
    }
  }
}

/** `::ffff:10.0.0.5` and `10.0.0.5` are one host. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown'
  return address.startsWith('::ffff:') ? address.slice(7) : address
}
