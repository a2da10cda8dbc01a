/**
 * Names for the devices connected to the relay, found with the LAN's own mechanisms: a reverse
 * lookup over mDNS (a PTR query for `<reversed address>.in-addr.arpa` / `ip6.arpa`, which macOS, iOS
 * and Avahi hosts answer for their own addresses), then the system's DNS resolver. Nothing here
 * runs on the relay's hot path: the engine reads the cache and asks for addresses it has no name for.
 *
 * Every answer is cached (an mDNS one for its record's TTL), and so is the absence of one, so a
 * device that reconnects all day costs one lookup; at most one lookup per address is in flight, and
 * lookups start at a bounded rate, so a burst of new devices (or a scan) never floods the network.
 */
import { Resolver } from 'node:dns/promises'
import { hostname as machineHostname } from 'node:os'
import type { MdnsPacket, MdnsSocket } from '@switchboard/lan-mdns'
import type { DeviceNameSource } from '../../shared/relay-model.js'
import { RateBudget } from '../relay/admission.js'
import type { DeviceNamer } from '../relay/devices.js'
import { RecentMap } from '../relay/recent-map.js'
import { deviceNameFromPtr, reverseName } from './reverse-names.js'

export interface DeviceNameLookupOptions {
  /** Lookups started per second, sustained, and at most at once. */
  perSecond?: number
  burst?: number
  /** How long an mDNS question waits for its answer before the system resolver is asked. */
  mdnsWaitMs?: number
}

interface CachedName {
  /** Undefined: nobody answered; cached too, so the device is not asked again at once. */
  name: string | undefined
  source: DeviceNameSource
  expiresAt: number
}

const PER_SECOND = 4
const BURST = 16
const MDNS_WAIT_MS = 1_000
const DNS_TIMEOUT_MS = 2_000
/** The system resolver tells no TTL; its answers and every silence are kept this long. */
const DNS_TTL_MS = 10 * 60_000
const NEGATIVE_TTL_MS = 5 * 60_000
/** mDNS host records live 120 s by default; a shorter TTL would only make the relay ask more often. */
const MIN_MDNS_TTL_MS = 60_000
const MAX_CACHED = 4_096
/** Addresses waiting for the rate to allow their lookup; more are asked again on their next visit. */
const MAX_QUEUED = 256

interface Lookup {
  address: string
  /** While the mDNS question waits for an answer. */
  timer?: NodeJS.Timeout
}

const isLoopback = (address: string) => address === '::1' || address.startsWith('127.')

export class DeviceNameLookups implements DeviceNamer {
  private readonly cache = new RecentMap<string, CachedName>(MAX_CACHED)
  /** Lookups in flight, by reverse name; a lookup that finds another in its place was overtaken. */
  private readonly inFlight = new Map<string, Lookup>()
  private readonly queue = new Set<string>()
  private readonly budget: RateBudget
  private readonly sockets = new Set<MdnsSocket>()
  private readonly resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 1 })
  private readonly mdnsWaitMs: number
  private readonly perSecond: number
  private drainTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(options: DeviceNameLookupOptions = {}) {
    this.perSecond = options.perSecond ?? PER_SECOND
    this.budget = new RateBudget(this.perSecond, options.burst ?? BURST)
    this.mdnsWaitMs = options.mdnsWaitMs ?? MDNS_WAIT_MS
  }

  /** Sends its questions on this mDNS socket too (the advertiser's, one per interface) and hears its answers. */
  attach(socket: MdnsSocket): void {
    if (this.closed || this.sockets.has(socket)) return
    this.sockets.add(socket)
    socket.on('response', this.onResponse)
  }

  detach(socket: MdnsSocket): void {
    if (this.sockets.delete(socket)) socket.off('response', this.onResponse)
  }

  lookup(address: string): { name: string; source: DeviceNameSource } | undefined {
    const cached = this.cache.get(address)
    return cached?.name === undefined ? undefined : { name: cached.name, source: cached.source }
  }

  want(address: string): void {
    if (this.closed || this.queue.has(address)) return
    // This machine answers for itself, without a question on the network or a share of the rate.
    if (isLoopback(address)) return this.remember(address, machineHostname(), 'dns', DNS_TTL_MS)
    const cached = this.cache.get(address)
    if (cached && cached.expiresAt > Date.now()) return
    const question = reverseName(address)
    if (question === undefined || this.inFlight.has(question)) return
    if (this.queue.size >= MAX_QUEUED) return
    this.queue.add(address)
    this.drain()
  }

  close(): void {
    this.closed = true
    clearTimeout(this.drainTimer)
    for (const { timer } of this.inFlight.values()) clearTimeout(timer)
    this.inFlight.clear()
    this.queue.clear()
    for (const socket of [...this.sockets]) this.detach(socket)
  }

  private drain(): void {
    clearTimeout(this.drainTimer)
    this.drainTimer = undefined
    for (const address of this.queue) {
      if (!this.budget.take()) {
        this.drainTimer = setTimeout(() => this.drain(), Math.ceil(1000 / this.perSecond)).unref()
        return
      }
      this.queue.delete(address)
      this.start(address)
    }
  }

  private start(address: string): void {
    const question = reverseName(address)!
    const lookup: Lookup = { address }
    this.inFlight.set(question, lookup)
    if (this.sockets.size === 0) return void this.askResolver(question, lookup)
    lookup.timer = setTimeout(() => void this.askResolver(question, lookup), this.mdnsWaitMs).unref()
    for (const socket of this.sockets) socket.query([{ name: question, type: 'PTR' }])
  }

  private readonly onResponse = (packet: MdnsPacket): void => {
    for (const record of [...packet.answers, ...packet.additionals]) {
      // A goodbye names nobody; the cache entry it would end expires on its own.
      if (record.type !== 'PTR' || record.ttl === 0) continue
      const question = record.name.toLowerCase()
      if (!question.endsWith('.arpa')) continue
      const pending = this.inFlight.get(question)
      if (pending) {
        const name = typeof record.data === 'string' ? deviceNameFromPtr(record.data) : undefined
        if (name === undefined) continue
        clearTimeout(pending.timer)
        this.inFlight.delete(question)
        this.remember(pending.address, name, 'mdns', Math.max(MIN_MDNS_TTL_MS, (record.ttl ?? 0) * 1000))
      }
    }
  }

  /** The system resolver, once mDNS had no answer (or no socket to ask on). */
  private async askResolver(question: string, lookup: Lookup): Promise<void> {
    const { address } = lookup
    let name: string | undefined
    try {
      const names = await this.resolver.reverse(address.split('%')[0]!)
      name = names.map(deviceNameFromPtr).find(found => found !== undefined)
    } catch {
      // No DNS on an offline LAN, or no PTR record: the silence is cached like an answer.
    }
    // An mDNS answer that came late still won, and a closed cache takes nothing.
    if (this.inFlight.get(question) !== lookup) return
    this.inFlight.delete(question)
    this.remember(address, name, 'dns', name === undefined ? NEGATIVE_TTL_MS : DNS_TTL_MS)
  }

  private remember(address: string, name: string | undefined, source: DeviceNameSource, ttlMs: number): void {
    this.cache.set(address, { name, source, expiresAt: Date.now() + ttlMs })
  }
}
