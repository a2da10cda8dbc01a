/**
 * LAN discovery for one relay, as the headless relay and the desktop app both run it: the mDNS
 * advertiser, the browser that watches the other relays on the LAN, the public discovery endpoint
 * on the relay's port, and the `advertising` part of the relay's model.
 */
import { EventEmitter } from 'node:events'
import { hostname as machineHostname } from 'node:os'
import {
  CA_PIN_HEX_LENGTH,
  RelayBrowser,
  SERVICE_TYPE,
  WIRE_PROTOCOL,
  chooseRelay,
  rankRelays,
  relayKey,
  relayUrl,
  sameName,
  type DiscoveredRelay,
  type RelayTxt,
} from '@switchboard/lan-mdns'
import type { DiscoveryDocument } from '../../shared/discovery.js'
import { advertisingOff, type AdvertisingOffReason, type AdvertisingView } from '../../shared/relay-model.js'
import type { RelayExtension, RelayServer } from '../relay/relay-server.js'
import { VERSION } from '../version.js'
import { Advertiser, hasAddress, hostLabel } from './advertiser.js'
import { discoveryEndpoint } from './discovery-endpoint.js'
import { INSTANCE_ID_FILE_ENV, InstanceIdClaim, instanceIdFile, legacyInstanceIdFile, type FrontEnd } from './instance-id.js'
import { isLoopbackHost } from './interfaces.js'

/** What can change while discovery runs (RelayDiscovery.reconfigure). */
export interface DiscoverySettings {
  /** False: nothing is sent on the network; the endpoint still answers. */
  advertise: boolean
  /** Interface names to advertise on, and no others; empty or absent: every one that leads to the LAN. */
  interfaces?: string[]
  /** Rank among relays on the LAN: clients pick the highest. */
  priority?: number
  /** Whether apps need an access token; the token itself is never advertised. */
  tokenRequired?: boolean
  /** The host name the relay is named after ("Switchboard on <first label>"); the OS's when absent. */
  hostname?: string
  /** The SHA-256 of the relay's CA (hex) while it serves wss://; absent with TLS off. */
  caFingerprint?: string
}

export interface RelayDiscoveryOptions extends DiscoverySettings {
  /** Where the instance id is kept; by default one file per front end and port (instance-id.ts). */
  instanceIdFile?: string
  /** Which program runs the relay ('relay' when absent): the app and the headless relay keep their ids apart. */
  frontEnd?: FrontEnd
  /** The port the relay was asked for (0: any free one); the one it listens on when absent. */
  requestedPort?: number
  /** How often the interface table is read. */
  pollMs?: number
}

export class RelayDiscovery extends EventEmitter<{ change: [AdvertisingView] }> {
  private currentTxt: RelayTxt
  private advertiser: Advertiser | undefined
  private browser: RelayBrowser | undefined
  private offReason: AdvertisingOffReason | undefined
  private readonly idClaim: InstanceIdClaim
  /** What happened to the id (not kept, or renewed because another relay announced it), for the model's errors. */
  private readonly idNotes: { at: number; message: string }[] = []
  private readonly port: number
  private readonly listenHost: string | undefined
  private readonly endpoint: RelayExtension
  private options: RelayDiscoveryOptions

  /** Starts discovery for a relay that is already listening. */
  constructor(
    private readonly relay: RelayServer,
    options: RelayDiscoveryOptions,
  ) {
    super()
    const listening = relay.listening
    if (!listening) throw new Error('RelayDiscovery needs a relay that is listening')
    this.options = options
    this.port = listening.port
    this.listenHost = listening.host
    this.idClaim = claimId(options, this.port)
    if (this.idClaim.problem) this.idNotes.push({ at: relay.snapshot().startedAt, message: this.idClaim.problem })
    this.currentTxt = {
      proto: WIRE_PROTOCOL,
      version: VERSION,
      id: this.idClaim.id,
      path: '/',
      tokenRequired: options.tokenRequired ?? false,
      priority: options.priority ?? 0,
      startedAt: relay.snapshot().startedAt,
      ...caPin(options.caFingerprint),
    }
    this.endpoint = discoveryEndpoint(host => this.document(host))
    relay.use(this.endpoint)
    this.offReason = this.offReasonFor(options)
    try {
      if (this.offReason === undefined) this.startAdvertising()
      this.publish()
    } catch (error) {
      // The node reports the failure and may try again on the next change: nothing may stay held.
      relay.detach(this.endpoint)
      this.idClaim.release()
      void this.advertiser?.stop().catch(() => undefined)
      void this.browser?.close().catch(() => undefined)
      throw error
    }
  }

  get txt(): RelayTxt {
    return this.currentTxt
  }

  /**
   * Applies new settings without touching the relay: turning advertising off sends the goodbyes
   * (resolves once they are out), turning it on probes and announces, a new name is probed and
   * announced in place of the old one, a new priority or token flag re-announces the TXT record,
   * and new interfaces are joined or left one by one.
   */
  async reconfigure(settings: DiscoverySettings): Promise<void> {
    this.options = { ...this.options, ...settings }
    const { tlsCa: _previous, ...txt } = this.currentTxt
    this.currentTxt = { ...txt, tokenRequired: settings.tokenRequired ?? false, priority: settings.priority ?? 0, ...caPin(settings.caFingerprint) }
    const offReason = this.offReasonFor(settings)
    this.offReason = offReason
    if (offReason !== undefined) {
      if (this.advertiser) await this.stopAdvertising()
    } else if (this.advertiser) {
      this.advertiser.reconfigure({ txt: this.currentTxt, hostname: settings.hostname, pinned: settings.interfaces })
    } else {
      this.startAdvertising()
    }
    this.publish()
  }

  get view(): AdvertisingView {
    if (!this.advertiser) {
      const words = this.offReason === 'disabled' ? 'advertising is turned off' : `listening on ${this.listenHost} only, which no other machine can reach`
      return { ...advertisingOff(this.offReason!, words), txt: this.currentTxt }
    }
    const view = this.advertiser.view
    // A relay that stopped advertising has stopped looking, too.
    const otherRelays = view.state === 'off' ? [] : (this.browser?.relays ?? [])
    const errors = [...this.idNotes, ...view.errors]
    const self = this.self(undefined)
    const picked = chooseRelay([self, ...otherRelays])
    const chosen = view.state === 'advertising' && picked !== undefined && relayKey(picked) === relayKey(self)
    return { ...view, serviceType: SERVICE_TYPE, errors, otherRelays, chosen }
  }

  /** Sends the goodbyes (awaited: other hosts drop the relay at once) and stops browsing. */
  async stop(): Promise<void> {
    this.relay.detach(this.endpoint)
    // Released before the goodbyes, which the node stops waiting for after a while: a restart must
    // get this id back even when they time out or fail.
    this.idClaim.release()
    try {
      await this.advertiser?.stop()
    } finally {
      await this.browser?.close()
    }
  }

  private offReasonFor(settings: DiscoverySettings): AdvertisingOffReason | undefined {
    if (!settings.advertise) return 'disabled'
    if (isLoopbackHost(this.listenHost)) return 'loopback-only'
    return undefined
  }

  private startAdvertising(): void {
    const { hostname, interfaces, pollMs } = this.options
    const advertiser = new Advertiser({ port: this.port, txt: this.currentTxt, hostname, pinned: interfaces, listenHost: this.listenHost, pollMs })
    const browser = new RelayBrowser({ isSelf: relay => this.isSelf(relay) })
    this.advertiser = advertiser
    this.browser = browser
    // The relay looks for its peers through the sockets it advertises on, one per interface.
    advertiser.on('socket-open', socket => browser.attach(socket))
    advertiser.on('socket-close', socket => browser.detach(socket))
    // A clone is acted on once this relay advertises: when it starts to, or when one appears.
    advertiser.on('change', () => {
      this.takeNewIdIfCloned(browser.relays)
      this.publish()
    })
    browser.on('change', relays => {
      this.takeNewIdIfCloned(relays)
      this.publish()
    })
  }

  /**
   * This relay's own announcements come back to it. It is the record with its id and port whose
   * host is its current `.local` name, or (a name it just gave up, still cached) points at this
   * machine's addresses; another relay on this machine has another port.
   */
  private isSelf(relay: DiscoveredRelay): boolean {
    if (relay.id !== this.currentTxt.id || relay.port !== this.port) return false
    const hostName = this.advertiser?.view.hostName
    return (hostName !== undefined && sameName(relay.host, hostName)) || relay.addresses.some(hasAddress)
  }

  /**
   * Another live relay announces this relay's id: a copied configuration folder or a cloned
   * machine. Clients keep the two apart anyway (by host and port), but an id is meant to name one
   * relay, so one of the two takes a new one: the one that started later (the same rule by which
   * it ranks lower), or on equal start times the greater host and port. Both sides decide alike,
   * so exactly one changes, and the clients of the other never notice.
   */
  private takeNewIdIfCloned(relays: DiscoveredRelay[]): void {
    const advertised = this.advertiser?.view
    if (advertised?.state !== 'advertising' || !advertised.hostName) return
    const self = { ...this.currentTxt, host: advertised.hostName, port: this.port }
    const keeper = relays.find(other => other.id === self.id && yieldsIdTo(self, other))
    if (!keeper) return
    const old = self.id
    this.currentTxt = { ...this.currentTxt, id: this.idClaim.renew() }
    this.idNotes.push({
      at: Date.now(),
      message: `"${keeper.name}" (${keeper.host}:${keeper.port}) announces this relay's instance id ${old} too (a copied configuration or a cloned machine); this relay now uses ${this.currentTxt.id}`,
    })
    this.advertiser?.reconfigure({ txt: this.currentTxt, hostname: this.options.hostname, pinned: this.options.interfaces })
  }

  private async stopAdvertising(): Promise<void> {
    const { advertiser, browser } = this
    this.advertiser = undefined
    this.browser = undefined
    await advertiser?.stop()
    await browser?.close()
  }

  private publish(): void {
    const view = this.view
    this.relay.setAdvertising(view)
    this.emit('change', view)
  }

  /** This relay as a client would see it; `requestHost` is the address a web app reached it at. */
  private self(requestHost: string | undefined): DiscoveredRelay {
    const advertised = this.advertiser?.view
    // The addresses apps are shown everywhere else, in the same order (likeliest LAN first).
    const addresses = this.relay.offer()?.addresses ?? []
    const hostName = advertised?.hostName ?? `${hostLabel(this.options.hostname ?? machineHostname())}.local`
    const urls = [
      ...(requestHost ? [`ws://${requestHost}${this.currentTxt.path.replace(/\/+$/, '')}`] : []),
      ...(advertised?.state === 'advertising' ? [relayUrl(hostName, this.port, this.currentTxt.path)] : []),
      ...addresses.map(address => relayUrl(address, this.port, this.currentTxt.path)),
    ]
    const unique = [...new Set(urls)]
    return {
      ...this.currentTxt,
      name: advertised?.instanceName ?? 'Switchboard',
      host: hostName,
      port: this.port,
      addresses,
      url: unique[0] ?? '',
      urls: unique,
    }
  }

  private document(requestHost: string | undefined): DiscoveryDocument {
    const relay = this.self(requestHost)
    return { relay, relays: rankRelays([relay, ...(this.browser?.relays ?? [])]) }
  }
}

function claimId(options: RelayDiscoveryOptions, listeningPort: number): InstanceIdClaim {
  if (options.instanceIdFile) return InstanceIdClaim.take(options.instanceIdFile)
  const file = instanceIdFile({ frontEnd: options.frontEnd ?? 'relay', port: options.requestedPort ?? listeningPort })
  // Only the default place inherits the one id older versions kept per user.
  return InstanceIdClaim.take(file, { adopt: process.env[INSTANCE_ID_FILE_ENV] ? undefined : legacyInstanceIdFile() })
}

/** Of two relays announcing one id, whether `self` is the one to take a new id. */
function yieldsIdTo(self: Pick<DiscoveredRelay, 'startedAt' | 'host' | 'port'>, other: Pick<DiscoveredRelay, 'startedAt' | 'host' | 'port'>): boolean {
  if (self.startedAt !== other.startedAt) return self.startedAt > other.startedAt
  const [mine, theirs] = [self.host.toLowerCase(), other.host.toLowerCase()]
  return mine !== theirs ? mine > theirs : self.port > other.port
}

/** The TXT record's `ca`: the first hex digits of the CA's SHA-256. */
const caPin = (fingerprint: string | undefined): { tlsCa?: string } => (fingerprint ? { tlsCa: fingerprint.slice(0, CA_PIN_HEX_LENGTH) } : {})
