/**
 * LAN discovery for one relay, as the headless relay and the desktop app both run it: the mDNS
 * advertiser, the browser that watches the other relays on the LAN, the public discovery endpoint
 * on the relay's port, and the `advertising` part of the relay's model.
 */
import { EventEmitter } from 'node:events'
import { hostname as machineHostname, networkInterfaces } from 'node:os'
import {
  RelayBrowser,
  SERVICE_TYPE,
  WIRE_PROTOCOL,
  chooseRelay,
  rankRelays,
  relayUrl,
  type DiscoveredRelay,
  type RelayTxt,
} from '@switchboard/lan-mdns'
import type { DiscoveryDocument } from '../../shared/discovery.js'
import { advertisingOff, type AdvertisingView } from '../../shared/relay-model.js'
import type { RelayServer } from '../relay/relay-server.js'
import { VERSION } from '../version.js'
import { Advertiser, hostLabel } from './advertiser.js'
import { discoveryEndpoint } from './discovery-endpoint.js'
import { loadInstanceId } from './instance-id.js'
import { isLoopbackHost, selectInterfaces } from './interfaces.js'

export interface RelayDiscoveryOptions {
  /** False for --no-advertise: nothing is sent on the network; the endpoint still answers. */
  advertise: boolean
  /** Interface names to advertise on, and no others (--interface). */
  interfaces?: string[]
  /** Rank among relays on the LAN (--priority): clients pick the highest. */
  priority?: number
  /** Whether apps need an access token (--token); the token itself is never advertised. */
  tokenRequired?: boolean
  /** Where the instance id is kept; see instance-id.ts for the default. */
  instanceIdFile?: string
  /** The machine's host name, when it should not come from the OS. */
  hostname?: string
  /** How often the interface table is read. */
  pollMs?: number
}

export class RelayDiscovery extends EventEmitter<{ change: [AdvertisingView] }> {
  readonly txt: RelayTxt
  private readonly advertiser: Advertiser | undefined
  private readonly browser: RelayBrowser | undefined
  private readonly offReason: string | undefined
  private readonly idProblem: string | undefined
  private readonly port: number
  private readonly listenHost: string | undefined

  /** Starts discovery for a relay that is already listening. */
  constructor(
    private readonly relay: RelayServer,
    private readonly options: RelayDiscoveryOptions,
  ) {
    super()
    const listening = relay.listening
    if (!listening) throw new Error('RelayDiscovery needs a relay that is listening')
    this.port = listening.port
    this.listenHost = listening.host
    const { id, problem } = loadInstanceId(options.instanceIdFile)
    this.idProblem = problem
    this.txt = {
      proto: WIRE_PROTOCOL,
      version: VERSION,
      id,
      path: '/',
      tokenRequired: options.tokenRequired ?? false,
      priority: options.priority ?? 0,
      startedAt: relay.snapshot().startedAt,
    }
    relay.use(discoveryEndpoint(host => this.document(host)))
    if (!options.advertise) this.offReason = '--no-advertise'
    else if (isLoopbackHost(listening.host)) this.offReason = `listening on ${listening.host} only, which no other machine can reach`
    if (this.offReason === undefined) {
      this.advertiser = new Advertiser({ port: this.port, txt: this.txt, hostname: options.hostname, pinned: options.interfaces, listenHost: listening.host, pollMs: options.pollMs })
      const browser = new RelayBrowser({ excludeId: id })
      this.browser = browser
      // The relay looks for its peers through the sockets it advertises on, one per interface.
      this.advertiser.on('socket-open', socket => browser.attach(socket))
      this.advertiser.on('socket-close', socket => browser.detach(socket))
      this.advertiser.on('change', () => this.publish())
      browser.on('change', () => this.publish())
    }
    this.publish()
  }

  get view(): AdvertisingView {
    if (!this.advertiser) return { ...advertisingOff(this.offReason!), txt: this.txt }
    const view = this.advertiser.view
    // A relay that stopped advertising has stopped looking, too.
    const otherRelays = view.state === 'off' ? [] : (this.browser?.relays ?? [])
    const errors = this.idProblem ? [{ at: this.txt.startedAt, message: this.idProblem }, ...view.errors] : view.errors
    const chosen = view.state === 'advertising' && chooseRelay([this.self(undefined), ...otherRelays])?.id === this.txt.id
    return { ...view, serviceType: SERVICE_TYPE, errors, otherRelays, chosen }
  }

  /** Sends the goodbyes (awaited: other hosts drop the relay at once) and stops browsing. */
  async stop(): Promise<void> {
    await this.advertiser?.stop()
    await this.browser?.close()
  }

  private publish(): void {
    const view = this.view
    this.relay.setAdvertising(view)
    this.emit('change', view)
  }

  /** This relay as a client would see it; `requestHost` is the address a web app reached it at. */
  private self(requestHost: string | undefined): DiscoveredRelay {
    const advertised = this.advertiser?.view
    const addresses = advertised
      ? advertised.interfaces.flatMap(iface => iface.addresses)
      : selectInterfaces(networkInterfaces(), { listenHost: this.listenHost }).chosen.flatMap(iface => iface.addresses)
    const hostName = advertised?.hostName ?? `${hostLabel(this.options.hostname ?? machineHostname())}.local`
    const urls = [
      ...(requestHost ? [`ws://${requestHost}${this.txt.path.replace(/\/+$/, '')}`] : []),
      ...(advertised?.state === 'advertising' ? [relayUrl(hostName, this.port, this.txt.path)] : []),
      ...addresses.map(address => relayUrl(address, this.port, this.txt.path)),
    ]
    const unique = [...new Set(urls)]
    return {
      ...this.txt,
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
