/**
 * The mDNS records a browser has heard, with their lifetimes (RFC 6762 §5.2, §10). bonjour-service's
 * own Browser cannot serve a client that must follow relays: it never refreshes or expires entries,
 * never updates addresses of a service it knows, and ignores the cache-flush bit.
 */
import type { MdnsRecord } from './mdns-endpoint.js'

export interface CachedRecord {
  name: string
  type: string
  data: unknown
  ttl: number
  receivedAt: number
  /** Refresh queries sent for it so far (at 80% and 90% of its lifetime). */
  refreshes: number
}

/** Fractions of a record's lifetime at which it is queried again before it expires. */
const REFRESH_AT = [0.8, 0.9]
/** Records of a flushed set older than this are stale (RFC 6762 §10.2). */
const FLUSH_GRACE_MS = 1_000
/** How long an address record outlives its goodbye, for another owner to confirm it (RFC 6762 §10.1). */
const GOODBYE_GRACE_S = 1
const ADDRESS_TYPES = new Set(['A', 'AAAA'])

const dataKey = (data: unknown): string =>
  Array.isArray(data) ? data.map(part => Buffer.from(part as Uint8Array).toString('hex')).join(',') : JSON.stringify(data)

export class RecordCache {
  private readonly records = new Map<string, CachedRecord>()

  /** Applies one received record: stores it, refreshes it, or drops it on a goodbye (TTL 0). */
  apply(record: MdnsRecord, now: number): void {
    const name = record.name.toLowerCase()
    const key = `${record.type} ${name} ${dataKey(record.data)}`
    const ttl = record.ttl ?? 0
    if (ttl === 0) {
      const cached = this.records.get(key)
      // Address records are shared: relays on one host announce the same ones, and one relay's
      // goodbye must not take the others' addresses away. They get a second to be confirmed
      // (RFC 6762 §10.1); service records are one relay's own and go at once.
      if (cached && ADDRESS_TYPES.has(record.type)) {
        cached.ttl = Math.min(cached.ttl, (now - cached.receivedAt) / 1000 + GOODBYE_GRACE_S)
        cached.refreshes = REFRESH_AT.length
      } else {
        this.records.delete(key)
      }
      return
    }
    if (record.flush) {
      for (const [otherKey, other] of this.records) {
        if (other.type === record.type && other.name === name && otherKey !== key && now - other.receivedAt > FLUSH_GRACE_MS) {
          this.records.delete(otherKey)
        }
      }
    }
    this.records.set(key, { name, type: record.type, data: record.data, ttl, receivedAt: now, refreshes: 0 })
  }

  /** Live records of `name` and `type`, oldest first. */
  get(name: string, type: string): CachedRecord[] {
    const wanted = name.toLowerCase()
    const found: CachedRecord[] = []
    for (const record of this.records.values()) if (record.type === type && record.name === wanted) found.push(record)
    return found
  }

  /** Drops the records of `name` (all types), and pointers to it. */
  forget(name: string): void {
    const wanted = name.toLowerCase()
    for (const [key, record] of this.records) {
      if (record.name === wanted || (record.type === 'PTR' && String(record.data).toLowerCase() === wanted)) this.records.delete(key)
    }
  }

  /**
   * Drops expired records and returns the names and types due for a refresh query; a record
   * nobody refreshes expires, so a relay that vanished without a goodbye disappears at the latest
   * when its shortest TTL runs out.
   */
  sweep(now: number): { expired: boolean; due: { name: string; type: string }[] } {
    let expired = false
    const due = new Map<string, { name: string; type: string }>()
    for (const [key, record] of this.records) {
      const age = (now - record.receivedAt) / (record.ttl * 1000)
      if (age >= 1) {
        this.records.delete(key)
        expired = true
      } else if (record.refreshes < REFRESH_AT.length && age >= REFRESH_AT[record.refreshes]!) {
        record.refreshes++
        due.set(`${record.type} ${record.name}`, { name: record.name, type: record.type })
      }
    }
    return { expired, due: [...due.values()] }
  }
}
