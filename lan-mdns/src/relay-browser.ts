/**
 * Browses the LAN for `_lf-relay._tcp` relays and keeps the list current: relays that announce,
 * answer, change address, say goodbye, or stop answering. Apps use it through @switchboard/lan-client
 * (`watchRelays`, the drop-in Client); relays use it to see each other.
 */
import { EventEmitter } from 'node:events'
import { MdnsEndpoint, type MdnsEndpointOptions, type MdnsPacket, type MdnsRecord, type MdnsSocket, type RecordType } from './mdns-endpoint.js'
import { RecordCache, type CachedRecord } from './record-cache.js'
import { decodeTxt, sameName } from './record-data.js'
import { SERVICE_NAME, parseRelayTxt, rankRelays, relayKey, relayUrl, type DiscoveredRelay } from './relay-service.js'

const INSTANCE_SUFFIX = `.${SERVICE_NAME}`.toLowerCase()

/** Continuous querying (RFC 6762 §5.2): the first two queries 1 s apart, then ×3 each time, up to an hour. */
const FIRST_QUERY_INTERVAL_MS = 1_000
const MAX_QUERY_INTERVAL_MS = 3_600_000
const SWEEP_INTERVAL_MS = 1_000
/** A record missing from an answer (SRV, TXT, address) is asked for at most this often. */
const FOLLOW_UP_INTERVAL_MS = 1_000
/** How long `verify` waits for a relay to answer (it asks twice in that time). */
const VERIFY_TIMEOUT_MS = 1_000

export interface RelayBrowserEvents {
  /** Every relay now visible, in choice order (relay-service.ts): the first usable one is the pick. */
  change: [DiscoveredRelay[]]
  up: [DiscoveredRelay]
  down: [DiscoveredRelay]
  /** Relays up at the same time announce one id: they are kept apart (by host and port); reported once per clash. */
  conflict: [IdConflict]
}

/** Several live relays announcing one instance id (a copied configuration folder, a cloned machine). */
export interface IdConflict {
  id: string
  /** The relays sharing it, in choice order. */
  relays: DiscoveredRelay[]
  /** In words, for a log. */
  message: string
}

export interface RelayBrowserOptions {
  /** A relay browsing for the others leaves itself out (and only itself: another relay may share its id). */
  isSelf?: (relay: DiscoveredRelay) => boolean
}

export class RelayBrowser extends EventEmitter<RelayBrowserEvents> {
  private readonly cache = new RecordCache()
  private readonly sockets = new Set<MdnsSocket>()
  private readonly ownedEndpoints: MdnsEndpoint[] = []
  private readonly isSelf: (relay: DiscoveredRelay) => boolean
  private current: DiscoveredRelay[] = []
  private signature = '[]'
  private readonly askedAt = new Map<string, number>()
  /** How many answers with an SRV record each instance has given, for `verify`. */
  private readonly answers = new Map<string, number>()
  private readonly heardWaiters = new Set<() => void>()
  private readonly sweeper: NodeJS.Timeout
  private queryTimer: NodeJS.Timeout | undefined
  private queryInterval = FIRST_QUERY_INTERVAL_MS
  private closed = false
  /** The id clashes reported, by the relays in them: one that ends and comes back is reported again. */
  private clashes = new Map<string, IdConflict>()

  constructor(options: RelayBrowserOptions = {}) {
    super()
    this.isSelf = options.isSelf ?? (() => false)
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref()
  }

  /** A browser with its own mDNS socket, closed with the browser. */
  static async open(options: RelayBrowserOptions & MdnsEndpointOptions = {}): Promise<RelayBrowser> {
    const endpoint = await MdnsEndpoint.open(options)
    const browser = new RelayBrowser(options)
    browser.ownedEndpoints.push(endpoint)
    browser.attach(endpoint.socket)
    return browser
  }

  /** The relays visible now, in choice order. */
  get relays(): DiscoveredRelay[] {
    return this.current
  }

  /** The id clashes among the relays visible now. */
  get conflicts(): IdConflict[] {
    return [...this.clashes.values()]
  }

  /** Browses through one more socket (a relay has one per interface); asks the network at once. */
  attach(socket: MdnsSocket): void {
    if (this.closed || this.sockets.has(socket)) return
    this.sockets.add(socket)
    socket.on('response', this.onResponse)
    this.restartQueries()
  }

  detach(socket: MdnsSocket): void {
    if (!this.sockets.delete(socket)) return
    socket.off('response', this.onResponse)
  }

  /**
   * Asks whether a relay is still there (a client's connection to it failed): when it does not
   * answer within a second, it is dropped at once instead of when its records expire
   * (RFC 6762 §10.4). Resolves with whether it answered.
   */
  async verify(relay: DiscoveredRelay, timeoutMs = VERIFY_TIMEOUT_MS): Promise<boolean> {
    const instance = `${relay.name}.${SERVICE_NAME}`
    const key = instance.toLowerCase()
    const before = this.answers.get(key) ?? 0
    const answered = () => (this.answers.get(key) ?? 0) > before
    const ask = () => this.send([{ name: instance, type: 'SRV' }])
    ask()
    const again = setTimeout(ask, timeoutMs / 2)
    await new Promise<void>(resolve => {
      const done = () => {
        clearTimeout(timer)
        this.heardWaiters.delete(check)
        resolve()
      }
      const check = () => answered() && done()
      const timer = setTimeout(done, timeoutMs)
      this.heardWaiters.add(check)
    })
    clearTimeout(again)
    if (answered() || this.closed) return true
    this.cache.forget(instance)
    this.update()
    // Something changed (the relay, or this machine's network): look again from the start of the schedule.
    this.restartQueries()
    return false
  }

  /** Stops browsing and closes the sockets the browser opened itself. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.sweeper)
    clearTimeout(this.queryTimer)
    for (const socket of [...this.sockets]) this.detach(socket)
    for (const wake of this.heardWaiters) wake()
    await Promise.all(this.ownedEndpoints.map(endpoint => endpoint.close()))
  }

  private readonly onResponse = (packet: MdnsPacket): void => {
    const now = Date.now()
    const records = [...packet.answers, ...packet.additionals]
    let relevant = false
    // Service records first, so that addresses in the same packet find their SRV target.
    for (const record of records) {
      if (!this.isServiceRecord(record)) continue
      relevant = true
      this.cache.apply(record, now)
      if (record.type === 'SRV' && (record.ttl ?? 0) > 0) {
        const key = record.name.toLowerCase()
        this.answers.set(key, (this.answers.get(key) ?? 0) + 1)
      }
    }
    const withdrawn: { name: string; type: RecordType }[] = []
    for (const record of records) {
      if ((record.type === 'A' || record.type === 'AAAA') && this.isTarget(record.name)) {
        relevant = true
        this.cache.apply(record, now)
        if ((record.ttl ?? 0) === 0) withdrawn.push({ name: record.name, type: record.type })
      }
    }
    // Another relay on that host may still own the addresses (record-cache.ts): it answers at once.
    if (withdrawn.length > 0) this.send(withdrawn)
    if (!relevant) return
    for (const wake of [...this.heardWaiters]) wake()
    this.update()
  }

  private isServiceRecord(record: MdnsRecord): boolean {
    if (record.type === 'PTR') return sameName(record.name, SERVICE_NAME)
    return (record.type === 'SRV' || record.type === 'TXT') && record.name.toLowerCase().endsWith(INSTANCE_SUFFIX)
  }

  private isTarget(name: string): boolean {
    for (const pointer of this.cache.get(SERVICE_NAME, 'PTR')) {
      for (const srv of this.cache.get(String(pointer.data), 'SRV')) if (sameName(srvData(srv).target, name)) return true
    }
    return false
  }

  private sweep(): void {
    const { expired, due } = this.cache.sweep(Date.now())
    if (due.length > 0) this.send(due.map(({ name, type }) => ({ name, type: type as RecordType })))
    if (expired) this.update()
  }

  /** Recomputes the relay list from the cache, asks for what is missing, and reports changes. */
  private update(): void {
    const found = new Map<string, { relay: DiscoveredRelay; heard: number }>()
    const missing: { name: string; type: RecordType }[] = []
    for (const pointer of this.cache.get(SERVICE_NAME, 'PTR')) {
      const instance = String(pointer.data)
      const srv = latest(this.cache.get(instance, 'SRV'))
      const txt = latest(this.cache.get(instance, 'TXT'))
      if (!srv || !txt) {
        missing.push({ name: instance, type: 'SRV' }, { name: instance, type: 'TXT' })
        continue
      }
      const fields = parseRelayTxt(decodeTxt(txt.data))
      if (!fields) continue
      const { target, port } = srvData(srv)
      const addresses = [
        ...this.cache.get(target, 'A').map(record => String(record.data)),
        // An IPv6 link-local address is useless without the scope the record cannot carry.
        ...this.cache.get(target, 'AAAA').map(record => String(record.data)).filter(address => !/^fe[89ab]/i.test(address)),
      ]
      if (addresses.length === 0) {
        missing.push({ name: target, type: 'A' })
        continue
      }
      const urls = addresses.map(address => relayUrl(address, port, fields.path))
      const relay: DiscoveredRelay = { ...fields, name: instanceName(instance), host: target, port, addresses, url: urls[0]!, urls }
      if (this.isSelf(relay)) continue
      // The same relay under two names (a rename still cached): the one heard last is current.
      const key = relayKey(relay)
      const previous = found.get(key)
      if (!previous || previous.heard < srv.receivedAt) found.set(key, { relay, heard: srv.receivedAt })
    }
    this.askForMissing(missing)
    const relays = rankRelays([...found.values()].map(entry => entry.relay))
    const signature = JSON.stringify(relays)
    if (signature === this.signature) return
    const before = new Map(this.current.map(relay => [relayKey(relay), relay]))
    const after = new Set(relays.map(relayKey))
    this.current = relays
    this.signature = signature
    for (const relay of relays) if (!before.has(relayKey(relay))) this.emit('up', relay)
    for (const [key, relay] of before) if (!after.has(key)) this.emit('down', relay)
    const reported = this.clashes
    this.clashes = findClashes(relays)
    for (const [signature, clash] of this.clashes) if (!reported.has(signature)) this.emit('conflict', clash)
    this.emit('change', relays)
  }

  private askForMissing(missing: { name: string; type: RecordType }[]): void {
    const now = Date.now()
    const due = missing.filter(({ name, type }) => {
      const key = `${type} ${name.toLowerCase()}`
      if (now - (this.askedAt.get(key) ?? 0) < FOLLOW_UP_INTERVAL_MS) return false
      this.askedAt.set(key, now)
      return true
    })
    if (due.length > 0) this.send(due)
  }

  private restartQueries(): void {
    clearTimeout(this.queryTimer)
    this.queryInterval = FIRST_QUERY_INTERVAL_MS
    const ask = () => {
      this.send([{ name: SERVICE_NAME, type: 'PTR' }])
      this.queryTimer = setTimeout(ask, this.queryInterval).unref()
      this.queryInterval = Math.min(this.queryInterval * 3, MAX_QUERY_INTERVAL_MS)
    }
    ask()
  }

  private send(questions: { name: string; type: RecordType }[]): void {
    // A failed send (an interface going away) is retried by the schedule; nothing to do here.
    for (const socket of this.sockets) socket.query(questions, () => {})
  }
}

/** Relays sharing an id, by the set of relays that share it. */
function findClashes(relays: DiscoveredRelay[]): Map<string, IdConflict> {
  const byId = new Map<string, DiscoveredRelay[]>()
  for (const relay of relays) byId.set(relay.id, [...(byId.get(relay.id) ?? []), relay])
  const clashes = new Map<string, IdConflict>()
  for (const [id, sharing] of byId) {
    if (sharing.length < 2) continue
    const where = sharing.map(relay => `"${relay.name}" (${relay.host}:${relay.port})`).join(', ')
    const message = `${sharing.length} relays announce the instance id ${id}: ${where}; they are told apart by host and port (a copied configuration or a cloned machine)`
    clashes.set(sharing.map(relayKey).sort().join(' '), { id, relays: sharing, message })
  }
  return clashes
}

const latest = (records: CachedRecord[]) => records.reduce<CachedRecord | undefined>((a, b) => (!a || b.receivedAt >= a.receivedAt ? b : a), undefined)

const srvData = (record: CachedRecord) => record.data as { target: string; port: number }

const instanceName = (instance: string) => instance.slice(0, instance.length - INSTANCE_SUFFIX.length)
