import type { CloseKind } from '../../shared/close-codes.js'
import type { AddressView } from '../../shared/relay-model.js'
import { RecentMap } from './recent-map.js'

/** Refused addresses remembered for the model. */
const MAX_REFUSED_ADDRESSES = 256

interface AddressRecord {
  connections: number
  /** New connections allowed from it; kept while it has sockets open or its budget is refilling. */
  rate: RateBudget
}

/**
 * Per remote address: open sockets (so one host cannot take every slot), the rate of new ones,
 * and recent refusals for the dashboard.
 */
export class AddressBook {
  private readonly records = new Map<string, AddressRecord>()
  private readonly refused = new RecentMap<string, { refusals: number; lastRefusal: { kind: CloseKind; at: number } }>(MAX_REFUSED_ADDRESSES)

  constructor(private connectionsPerSecond: number, private burst: number) {}

  /** New rates for addresses seen from now on; an address's current budget runs out as it was. */
  setRate(connectionsPerSecond: number, burst: number): void {
    this.connectionsPerSecond = connectionsPerSecond
    this.burst = burst
  }

  count(address: string): number {
    return this.records.get(address)?.connections ?? 0
  }

  /** Takes one new connection from the address's rate; false when it is spent. */
  takeConnection(address: string, now = Date.now()): boolean {
    return this.record(address, now).rate.take(now)
  }

  add(address: string): void {
    this.record(address).connections++
  }

  remove(address: string): void {
    const record = this.records.get(address)
    if (record) record.connections--
  }

  /** Forgets addresses with nothing open whose rate budget is whole again. */
  prune(now = Date.now()): void {
    for (const [address, record] of this.records) {
      if (record.connections <= 0 && record.rate.isFull(now)) this.records.delete(address)
    }
  }

  noteRefusal(address: string, kind: CloseKind, now = Date.now()): void {
    const entry = this.refused.get(address)
    this.refused.set(address, { refusals: (entry?.refusals ?? 0) + 1, lastRefusal: { kind, at: now } })
  }

  views(): AddressView[] {
    const views: AddressView[] = []
    for (const [address, entry] of this.refused.newestFirst()) {
      views.push({ address, connections: this.count(address), ...entry })
    }
    for (const [address, record] of this.records) {
      if (record.connections > 0 && !this.refused.has(address)) views.push({ address, connections: record.connections, refusals: 0 })
    }
    return views
  }

  private record(address: string, now = Date.now()): AddressRecord {
    let record = this.records.get(address)
    if (!record) this.records.set(address, (record = { connections: 0, rate: new RateBudget(this.connectionsPerSecond, this.burst, now) }))
    return record
  }
}

/** Whether more than `limit` occurrences fell within any `windowMs`: the timestamps of the last `limit`. */
export class WindowCount {
  private readonly times: number[] = []

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records one occurrence; true when it is one too many for the window. */
  exceeded(now = Date.now()): boolean {
    this.times.push(now)
    if (this.times.length <= this.limit) return false
    const oldest = this.times.shift()!
    return now - oldest < this.windowMs
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
    this.refill(now)
    if (this.tokens < 1) return false
    this.tokens--
    return true
  }

  isFull(now = Date.now()): boolean {
    this.refill(now)
    return this.tokens >= this.burst
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.rate)
    this.refilledAt = now
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
