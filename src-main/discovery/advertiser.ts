/**
 * Advertises the relay as `_lf-relay._tcp` on every chosen interface's network, and keeps doing so
 * as the network changes: it claims a unique instance name and host name (renaming on conflict,
 * never stopping silently), announces, follows interface and address changes, and sends goodbyes
 * on stop. Every change of its state is reported through `change` for the model.
 */
import { EventEmitter } from 'node:events'
import { hostname as machineHostname, networkInterfaces } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { WELL_KNOWN_HOST_NAME, type MdnsPacket, type MdnsSocket, type RelayTxt } from '@switchboard/lan-mdns'
import type { AdvertisingState, AdvertisingView, WellKnownNameState } from '../../shared/relay-model.js'
import { Link } from './link.js'
import { ConflictRate, TIEBREAK_DEFER_MS, findConflicts, probeNames, type NameKey, type OwnNames } from './name-conflicts.js'
import { NetworkWatch, type NetworkWatchOptions } from './network-watch.js'
import { addressRecords, instanceFqdn, sameRecords, serviceRecords, type ServiceIdentity } from './service-records.js'

export interface AdvertiserOptions extends NetworkWatchOptions {
  port: number
  txt: RelayTxt
  /** The machine's host name; its first label names the relay and its `.local` host. */
  hostname?: string
}

export interface AdvertiserEvents {
  change: []
  /** An interface's mDNS socket opened or closed: the relay browses for its peers through them. */
  'socket-open': [MdnsSocket]
  'socket-close': [MdnsSocket]
}

/** Renames tried before giving up ("Switchboard on studio (2)" ... "(20)"). */
const MAX_NAME_ATTEMPTS = 20
/** How soon a failure (port 5353 taken, a send that failed) is tried again. */
const RETRY_MS = 5_000
const MAX_ERRORS = 20

type AdvertiserView = Pick<AdvertisingView, 'state' | 'reason' | 'instanceName' | 'hostName' | 'txt' | 'interfaces' | 'skippedInterfaces' | 'errors' | 'wellKnownName'>

export class Advertiser extends EventEmitter<AdvertiserEvents> {
  private readonly watch: NetworkWatch
  private readonly links = new Map<string, Link>()
  private label: string
  private instanceAttempt = 1
  private hostAttempt = 1
  /** Whether the current names were probed free on every open link. */
  private claimed = false
  private probing = false
  private state: AdvertisingState = 'starting'
  private reason: string | undefined = 'probing the network for a free name'
  private readonly errors: { at: number; message: string }[] = []
  private queue: Promise<void> = Promise.resolve()
  private retryTimer: NodeJS.Timeout | undefined
  private stopped = false
  /** Ends the waits between probes (up to 5 s when rate-limited), so that stopping never waits for them. */
  private readonly stopping = new AbortController()
  private lastFailures = new Set<string>()
  private readonly conflicts = new ConflictRate()
  /** Whether this relay is the LAN's pick and so should answer for `lf-relay.local`. */
  private wantWellKnown = false
  private wellKnown: WellKnownNameState = 'not-held'
  private wellKnownRetry: NodeJS.Timeout | undefined

  constructor(private readonly options: AdvertiserOptions) {
    super()
    this.label = hostLabel(options.hostname ?? machineHostname())
    this.watch = new NetworkWatch(options, () => this.schedule())
    this.schedule()
  }

  get view(): AdvertiserView {
    const announced = [...this.links.values()].filter(link => link.records.length > 0)
    return {
      state: this.state,
      reason: this.reason,
      instanceName: this.identity.instanceName,
      hostName: this.identity.hostName,
      txt: this.options.txt,
      interfaces: announced.map(link => ({ name: link.iface.name, addresses: [...link.iface.addresses] })),
      skippedInterfaces: this.watch.selection.skipped,
      errors: [...this.errors],
      wellKnownName: { name: WELL_KNOWN_HOST_NAME, state: this.wellKnown },
    }
  }

  /**
   * Claims `lf-relay.local` (probing it first) or gives it up (a goodbye at once, before the new
   * pick's probe can meet it). The name is never renamed: while another relay still answers for
   * it, this one probes again every second until that relay, learning it is no longer the pick, yields.
   */
  holdWellKnownName(want: boolean): void {
    if (this.stopped || want === this.wantWellKnown) return
    this.wantWellKnown = want
    clearTimeout(this.wellKnownRetry)
    if (want) return this.schedule()
    if (this.wellKnown === 'not-held') return
    this.wellKnown = 'not-held'
    for (const link of this.links.values()) void link.withdrawName(WELL_KNOWN_HOST_NAME)
    this.emit('change')
  }

  /**
   * New TXT values, name or interfaces while advertising. A new name is probed and announced, with
   * goodbyes for the old one in the same packet; new TXT values are announced with the cache-flush
   * bit; interfaces no longer wanted get their goodbyes and new ones are joined.
   */
  reconfigure({ txt, hostname, pinned }: Pick<AdvertiserOptions, 'txt' | 'hostname' | 'pinned'>): void {
    if (this.stopped) return
    this.options.txt = txt
    const label = hostLabel(hostname ?? machineHostname())
    if (label !== this.label) {
      this.label = label
      this.instanceAttempt = 1
      this.hostAttempt = 1
      this.claimed = false
    }
    this.options.pinned = pinned
    this.watch.check()
    this.schedule()
  }

  get sockets(): MdnsSocket[] {
    return [...this.links.values()].map(link => link.socket)
  }

  /** Sends goodbyes on every interface and closes the sockets; resolves when the goodbyes are out. */
  async stop(): Promise<void> {
    if (this.stopped) return this.queue
    this.stopped = true
    this.stopping.abort()
    this.watch.stop()
    clearTimeout(this.retryTimer)
    clearTimeout(this.wellKnownRetry)
    this.queue = this.queue.then(async () => {
      const links = [...this.links.values()]
      this.links.clear()
      for (const link of links) this.emit('socket-close', link.socket)
      await Promise.all(links.map(link => link.close({ goodbye: true })))
      this.setState('off', 'stopped')
    })
    return this.queue
  }

  private get identity(): ServiceIdentity {
    const suffix = this.instanceAttempt > 1 ? ` (${this.instanceAttempt})` : ''
    const host = this.hostAttempt > 1 ? `${this.label}-${this.hostAttempt}` : this.label
    return { instanceName: `Switchboard on ${this.label}${suffix}`, hostName: `${host}.local`, port: this.options.port, txt: this.options.txt }
  }

  private ownNames(): OwnNames {
    const { instanceName, hostName, port, txt } = this.identity
    return { fqdn: instanceFqdn(instanceName), hostName, port, id: txt.id, wellKnown: this.wellKnown === 'not-held' ? undefined : WELL_KNOWN_HOST_NAME }
  }

  /** Everything this relay announces on a link's network now. */
  private recordsFor(link: Link) {
    const { addresses } = link.iface
    const wellKnown = this.wellKnown === 'not-held' ? [] : addressRecords(WELL_KNOWN_HOST_NAME, addresses)
    return [...serviceRecords(this.identity, addresses), ...wellKnown]
  }

  private probeTargets(links: readonly Link[]) {
    return links.map(link => ({ socket: link.socket, records: this.recordsFor(link) }))
  }

  /** Steps run one at a time, in order: each looks at the network as it is when it runs. */
  private schedule(): void {
    this.queue = this.queue
      .then(() => this.step())
      // A wait cut short by stop() is no failure.
      .catch((error: Error) => {
        if (!this.stopped) this.fail(`advertising failed: ${error.message}`)
      })
  }

  private async step(): Promise<void> {
    if (this.stopped) return
    clearTimeout(this.retryTimer)
    const { chosen, skipped } = this.watch.selection
    for (const [name, link] of this.links) {
      const wanted = chosen.find(iface => iface.name === name)
      // A socket sends from the interface's first IPv4 address; a new one needs a new socket.
      if (wanted?.ipv4 === link.iface.ipv4) {
        link.iface = wanted
        continue
      }
      this.links.delete(name)
      this.emit('socket-close', link.socket)
      // Where the old address is gone no goodbye can leave; the new announcement's cache-flush bit replaces it.
      await link.close({ goodbye: hasAddress(link.iface.ipv4) })
    }
    const opened: Link[] = []
    const failures: string[] = []
    for (const iface of chosen) {
      if (this.links.has(iface.name)) continue
      try {
        const link = await Link.open(iface, error => this.note(`${iface.name}: ${error.message}`))
        this.links.set(iface.name, link)
        link.socket.on('response', this.watchForConflicts)
        opened.push(link)
        this.emit('socket-open', link.socket)
      } catch (error) {
        failures.push(`${iface.name}: ${(error as Error).message}`)
      }
      if (this.stopped) return
    }
    if (this.links.size === 0) {
      this.noteNew(failures)
      if (failures.length > 0) return this.fail(failures[0]!)
      const why = skipped.length > 0 ? ` (skipped: ${skipped.map(s => `${s.name}: ${s.reason}`).join('; ')})` : ''
      return this.setState('starting', `waiting for a network interface to advertise on${why}`)
    }
    const probeOn = this.claimed ? opened : [...this.links.values()]
    if (probeOn.length > 0 && !(await this.claimNames(probeOn))) return
    if (this.stopped) return
    if (this.wantWellKnown && this.wellKnown === 'not-held') await this.claimWellKnown()
    for (const link of this.links.values()) {
      // A conflict (names silenced) or a new name (reconfigure) while this step waited sends the
      // names back to probing, and the step that probes them is queued already: announcing now would
      // answer again for a name another host claims, or announce one nobody probed.
      if (this.stopped || !this.claimed) return
      const records = this.recordsFor(link)
      if (sameRecords(link.records, records)) continue
      const error = await link.announce(records)
      if (error) failures.push(`announcement on ${link.iface.name} failed: ${error.message}`)
    }
    this.noteNew(failures)
    // An advertisement that never went out is a failure, not a quiet state.
    if (![...this.links.values()].some(link => link.records.length > 0)) return this.fail(failures[0] ?? 'nothing could be announced')
    if (failures.length > 0) this.retryLater()
    this.setState('advertising', failures.length > 0 ? `not on every interface: ${failures.join('; ')}` : undefined)
  }

  /** Notes the failures the previous step did not have: retrying every few seconds must not flood the log. */
  private noteNew(failures: string[]): void {
    for (const failure of failures) if (!this.lastFailures.has(failure)) this.note(failure)
    this.lastFailures = new Set(failures)
  }

  /** Probes the names on `links`, renaming while they are taken. False when no free name was found. */
  private async claimNames(links: Link[]): Promise<boolean> {
    this.probing = true
    if (this.state !== 'advertising') this.setState('starting', 'probing the network for a free name')
    try {
      // Bounded: `rename` gives up after MAX_NAME_ATTEMPTS of either name.
      for (;;) {
        await delay(this.conflicts.pauseBeforeProbe(), undefined, { signal: this.stopping.signal })
        const probed = this.identity
        const { taken, deferred } = await probeNames(this.probeTargets(links), this.ownNames(), ['instance', 'host'], hasAddress)
        if (this.stopped) return false
        // Renamed while probing (reconfigure): the new name is probed before it counts as claimed.
        if (probed.instanceName !== this.identity.instanceName || probed.hostName !== this.identity.hostName) {
          links = [...this.links.values()]
          continue
        }
        if (taken.size === 0 && deferred.size > 0) {
          // Lost a simultaneous probe: the winner announces within the second, and the next probe meets it.
          this.conflicts.note()
          await delay(TIEBREAK_DEFER_MS, undefined, { signal: this.stopping.signal })
          continue
        }
        if (taken.size === 0) {
          this.claimed = true
          return true
        }
        this.conflicts.note()
        if (!this.rename(taken)) break
        // A new name is probed everywhere, not only on the new links.
        links = [...this.links.values()]
      }
    } finally {
      this.probing = false
    }
    this.fail(`no free name found after ${MAX_NAME_ATTEMPTS} attempts`)
    return false
  }

  /**
   * Probes `lf-relay.local` on every link. Taken, or lost to a simultaneous probe: not renamed but
   * tried again a second later, as long as this relay is still the pick.
   */
  private async claimWellKnown(): Promise<void> {
    this.wellKnown = 'claiming'
    this.emit('change')
    await delay(this.conflicts.pauseBeforeProbe(), undefined, { signal: this.stopping.signal })
    const { taken, deferred } = await probeNames(this.probeTargets([...this.links.values()]), this.ownNames(), ['wellKnown'], hasAddress)
    if (this.stopped || !this.wantWellKnown) return
    if (taken.size === 0 && deferred.size === 0) {
      this.wellKnown = 'held'
      return
    }
    this.conflicts.note()
    this.wellKnown = 'not-held'
    this.emit('change')
    clearTimeout(this.wellKnownRetry)
    this.wellKnownRetry = setTimeout(() => this.schedule(), TIEBREAK_DEFER_MS).unref()
  }

  /** Moves to the next instance and/or host name; false when the attempts are used up. */
  private rename(taken: ReadonlySet<NameKey>): boolean {
    const before = this.identity
    if (taken.has('instance')) this.instanceAttempt++
    if (taken.has('host')) this.hostAttempt++
    if (this.instanceAttempt > MAX_NAME_ATTEMPTS || this.hostAttempt > MAX_NAME_ATTEMPTS) return false
    const after = this.identity
    if (taken.has('instance')) this.note(`"${before.instanceName}" is in use on the network; renamed to "${after.instanceName}"`)
    if (taken.has('host')) this.note(`${before.hostName} is another machine's name; renamed to ${after.hostName}`)
    return true
  }

  /**
   * After announcing, another host answers for one of our names with other data (RFC 6762 §9):
   * this relay stops answering for it and probes it again, which renames it only if the other host
   * still answers then. The instance and host names are probed together, as at the start.
   */
  private readonly watchForConflicts = (packet: MdnsPacket): void => {
    if (this.stopped) return
    const own = this.ownNames()
    const conflicts = findConflicts(packet, own, hasAddress)
    const names: string[] = []
    if (this.claimed && !this.probing && (conflicts.has('instance') || conflicts.has('host'))) {
      this.claimed = false
      // The service records go quiet with the host name too: their SRV points at it, and answering
      // for them while a renamed host name is probed would conflict with ourselves.
      names.push(own.fqdn)
      if (conflicts.has('host')) names.push(own.hostName)
      this.note(`another host answers for ${conflicts.has('host') ? own.hostName : `"${this.identity.instanceName}"`} too; probing the name again`)
    }
    if (this.wellKnown === 'held' && conflicts.has('wellKnown')) {
      this.wellKnown = 'not-held'
      names.push(WELL_KNOWN_HOST_NAME)
      this.emit('change')
    }
    if (names.length === 0) return
    this.conflicts.note()
    for (const link of this.links.values()) link.silence(names)
    this.schedule()
  }

  private note(message: string): void {
    this.errors.push({ at: Date.now(), message })
    if (this.errors.length > MAX_ERRORS) this.errors.shift()
    this.emit('change')
  }

  private fail(reason: string): void {
    this.setState('error', reason)
    this.retryLater()
  }

  private retryLater(): void {
    clearTimeout(this.retryTimer)
    if (!this.stopped) this.retryTimer = setTimeout(() => this.schedule(), RETRY_MS).unref()
  }

  private setState(state: AdvertisingState, reason: string | undefined): void {
    this.state = state
    this.reason = reason
    this.emit('change')
  }
}

/** The first label of the host name, as a DNS label: "Studio.lan" → "Studio". */
export function hostLabel(name: string): string {
  const label = (name.split('.')[0] ?? '')
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
  return label || 'switchboard'
}

/** Whether an address belongs to this machine now. */
export function hasAddress(address: string): boolean {
  return Object.values(networkInterfaces()).some(infos => infos?.some(info => info.address === address))
}

