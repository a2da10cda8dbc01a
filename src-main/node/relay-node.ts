/**
 * One relay as the CLI and the app both run it: the engine, the dashboard on its port (with its
 * monitoring feed) and LAN discovery, started from one options object. Plain Node, no Electron.
 * Every change of options except where it listens is applied to the running parts, so nobody
 * connected notices; see `restartNeeded` for the exceptions.
 */
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { NodeProblem } from '../../shared/relay-host-messages.js'
import { restartNeeded, type RelayNodeOptions, type RestartCause } from '../../shared/relay-node-options.js'
import type { AdvertisingView } from '../../shared/relay-model.js'
import { RelayDiscovery, type DiscoverySettings, type RelayDiscoveryOptions } from '../discovery/relay-discovery.js'
import { DashboardExtension } from '../monitoring/dashboard-extension.js'
import type { DashboardFile } from '../monitoring/dashboard-files.js'
import { MonitorPublisher, type PublishPolicy } from '../monitoring/monitor-publisher.js'
import { RelayServer, type ListeningAddress } from '../relay/relay-server.js'
import type { TlsIdentity } from '../relay/tls-or-plain.js'
import { stateDirectory } from '../discovery/instance-id.js'
import { openCertificateAuthority } from '../tls/certificate-authority.js'
import { CertificateKeeper } from '../tls/certificate-keeper.js'
import { serverNames } from '../tls/server-names.js'
import { checkNodeOptions } from './check-options.js'
import { HistoryStore, type HistoryPlace } from './history-file.js'
import { ListenFailure } from './listen-failure.js'

/** LAN discovery as the node drives it: RelayDiscovery, or a stand-in in tests. */
export interface NodeDiscovery {
  readonly view: AdvertisingView
  reconfigure(settings: DiscoverySettings): Promise<void>
  /** Sends the goodbyes; resolves once they are out. */
  stop(): Promise<void>
  on(event: 'change', listener: (view: AdvertisingView) => void): unknown
}

export type StartDiscovery = (relay: RelayServer, options: RelayDiscoveryOptions) => NodeDiscovery

/** What the node needs besides its options; every field has a default for real use. */
export interface RelayNodeHooks {
  /** The built dashboard; read from dist/renderer when omitted. */
  dashboardFiles?: Map<string, DashboardFile>
  /** The monitoring feed's pacing; see PUBLISH_POLICY. */
  monitor?: Partial<PublishPolicy>
  /** Discovery's own knobs (which front end runs it and where its instance id is kept, how often interfaces are read). */
  discovery?: Pick<RelayDiscoveryOptions, 'frontEnd' | 'instanceIdFile' | 'stateDir' | 'pollMs'>
  startDiscovery?: StartDiscovery
  /** Goodbyes that take longer than this are given up on, so stopping never hangs on the network. */
  goodbyeTimeoutMs?: number
  tls?: TlsHooks
  /**
   * Where the recently-seen history is kept: `dir` defaults to the state folder's `history`
   * (beside the instance ids; the app passes its data folder), one file per front end and port.
   */
  history?: Partial<Pick<HistoryPlace, 'dir' | 'writeDelayMs'>>
}

export interface TlsHooks {
  /** Where the relay's CA is kept: the app's userData; `<config>/switchboard/ca` when omitted. */
  caDirectory?: string
  /** How long a server certificate is valid; see LEAF_LIFETIME_MS. */
  leafLifetimeMs?: number
  /** How often the names and addresses the certificate must cover (and its age) are checked. */
  checkMs?: number
}

/** As often as discovery reads the interface table: a new address is covered as soon as it is announced. */
const CERTIFICATE_CHECK_MS = 2_000

export interface RelayNodeEvents {
  /** A new engine took over (each start makes one); monitoring and logs follow it. */
  engine: [RelayServer]
  /**
   * The engine listens: ws:// and http:// are served from now on. Before `start` resolves, which
   * waits for the first certificate (TLS clients wait for it too).
   */
  listening: [ListeningAddress]
  advertising: [AdvertisingView]
  problem: [NodeProblem]
  /** A new server certificate is presented from now on (new names or addresses, or a renewal). */
  certificate: [TlsIdentity]
}

export interface Reconfigured {
  /** The options whose change restarted the relay; empty when everything applied live. */
  restarted: RestartCause[]
}

const GOODBYE_TIMEOUT_MS = 3_000

export type { NodeProblem }

const startRelayDiscovery: StartDiscovery = (relay, options) => new RelayDiscovery(relay, options)

export class RelayNode extends EventEmitter<RelayNodeEvents> {
  /**
   * The one monitoring feed, for every transport (the dashboard's socket, the app's windows); it
   * outlives engines, so a restart only starts its subscribers over with a snapshot.
   */
  readonly monitor: MonitorPublisher
  private current: RelayNodeOptions
  private engine: RelayServer | undefined
  private dashboardExtension: DashboardExtension | undefined
  private discovery: NodeDiscovery | undefined
  /** The recently-seen history while it is turned on; it outlives engines, like the monitor. */
  private history: HistoryStore | undefined
  /** Starts, stops and changes run one after another, whenever they are asked for. */
  private queue: Promise<unknown> = Promise.resolve()
  /** Opened on the first start with TLS on, and kept: the CA never changes while the node lives. */
  private certificates: Promise<CertificateKeeper> | undefined
  private certificateTimer: NodeJS.Timeout | undefined
  private advertisedHostName: string | undefined

  constructor(
    options: RelayNodeOptions,
    private readonly hooks: RelayNodeHooks = {},
  ) {
    super()
    this.current = options
    this.monitor = new MonitorPublisher(undefined, hooks.monitor)
    this.on('advertising', view => {
      if (view.hostName === this.advertisedHostName) return
      this.advertisedHostName = view.hostName
      void this.refreshCertificate()
    })
  }

  get options(): RelayNodeOptions {
    return this.current
  }

  /** The running engine, or the last one (closed) once stopped; undefined before the first start. */
  get relay(): RelayServer | undefined {
    return this.engine
  }

  get dashboard(): DashboardExtension | undefined {
    return this.dashboardExtension
  }

  get listening(): ListeningAddress | undefined {
    return this.engine?.listening
  }

  /**
   * Starts a new engine with the current options; resolves once it listens, discovery has started
   * and its first certificate is made (or failed); `listening` tells of the port sooner. Rejects
   * with a ListenFailure when it cannot listen, or an Error on options it refuses.
   */
  start(): Promise<ListeningAddress> {
    return this.enqueue(() => this.startNow())
  }

  /** Goodbyes first (given up after a timeout), then every socket closes. */
  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow())
  }

  /**
   * New options. They are checked first: a refusal (thrown) changes nothing. A running relay then
   * applies them live, except a new listen address or port, which restarts it; a stopped one keeps
   * them for its next start.
   */
  reconfigure(options: RelayNodeOptions): Promise<Reconfigured> {
    return this.enqueue(async () => {
      checkNodeOptions(options)
      const restarted = restartNeeded(this.current, options)
      this.current = options
      if (!options.history) await this.forgetHistory()
      const engine = this.engine
      if (!engine?.listening) return { restarted: [] }
      if (restarted.length > 0) {
        await this.stopNow()
        await this.startNow()
        return { restarted }
      }
      engine.setLimits(options.limits)
      engine.setAccess({ token: options.accessToken, allowPublic: options.allowPublic })
      engine.setInterfaces(options.interfaces)
      engine.setHistory(this.openHistory())
      this.dashboardExtension?.setAdminToken(options.adminToken)
      await this.applyTls(engine)
      if (this.discovery) await this.awaitGoodbyes(this.discovery.reconfigure(this.discoverySettings(options)))
      else this.startDiscovery(engine)
      return { restarted: [] }
    })
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step)
    // A failed step must not block the ones after it; its caller still sees the failure.
    this.queue = next.catch(() => undefined)
    return next
  }

  private async startNow(): Promise<ListeningAddress> {
    if (this.engine?.listening) return this.engine.listening
    const options = this.current
    checkNodeOptions(options)
    const { host, port } = options
    const relay = new RelayServer({
      host,
      port,
      limits: options.limits,
      access: { token: options.accessToken, allowPublic: options.allowPublic },
      interfaces: options.interfaces,
    })
    const dashboard = new DashboardExtension(relay, { adminToken: options.adminToken, files: this.hooks.dashboardFiles, monitor: this.monitor })
    this.monitor.follow(relay)
    relay.setHistory(this.openHistory())
    relay.on('device-left', departure => this.history?.record(departure))
    relay.use(dashboard)
    this.engine = relay
    this.dashboardExtension = dashboard
    this.emit('engine', relay)
    // The certificate is made once it listens (its addresses are known for sure only then), not
    // before: a start does not wait on the CA, and TLS clients that come meanwhile wait for it.
    if (options.tls) relay.expectTls()
    let address: ListeningAddress
    try {
      address = await relay.listen()
    } catch (error) {
      await relay.close()
      throw ListenFailure.from(error as NodeJS.ErrnoException, host, port)
    }
    this.emit('listening', address)
    this.startDiscovery(relay)
    // Discovery is told the CA to pin once the certificate is in: well within its probing, so the
    // first announcement carries the pin (or, on a slow machine, the next one).
    await this.applyTls(relay)
    return address
  }

  /**
   * Checks that the certificate covers the names and addresses the relay is reached at now, and
   * is not near its end; presents a new one when not. The node calls it on a timer, when mDNS
   * announces a new host name and when options change.
   */
  refreshCertificate(): Promise<void> {
    const relay = this.engine
    if (!relay || !this.current.tls || !this.certificates) return Promise.resolve()
    const names = serverNames({
      name: this.current.name,
      advertisedHostName: this.advertisedHostName,
      listenHost: this.current.host,
      offeredAddresses: relay.offeredAddresses(),
    })
    return this.certificates
      .then(async keeper => {
        const { identity, issued } = await keeper.update(names)
        // An engine stopped or TLS turned off while it was issued: nothing to present it on.
        if (relay !== this.engine || !this.current.tls) return
        const tlsWasOff = !relay.tls
        if (issued || tlsWasOff) relay.setTls(identity)
        if (issued) this.emit('certificate', identity)
        // TLS came on after start (the first certificate failed): TXT must now pin the CA, or no client uses wss://.
        if (tlsWasOff && this.discovery) {
          this.discovery.reconfigure(this.discoverySettings(this.current)).catch((error: Error) => this.emit('problem', { code: 'discovery-failed', message: error.message }))
        }
      })
      .catch((error: Error) => {
        // TLS clients waiting for a first certificate are told why there is none.
        if (relay === this.engine) relay.tlsUnavailable(error.message)
        this.emit('problem', { code: 'tls-failed', message: error.message })
      })
  }

  /** Where the relay keeps what outlives it (instance ids, the CA, the history), unless a hook names a folder. */
  private get stateDir(): string {
    return this.hooks.discovery?.stateDir ?? stateDirectory()
  }

  /** TLS on or off as the options say, on the running engine. */
  private async applyTls(relay: RelayServer): Promise<void> {
    clearInterval(this.certificateTimer)
    if (!this.current.tls) return relay.setTls(undefined)
    // TLS turned on live: clients wait for the certificate as at a start.
    relay.expectTls()
    const tlsHooks = this.hooks.tls ?? {}
    if (!this.certificates) {
      const opening = openCertificateAuthority(tlsHooks.caDirectory ?? join(this.stateDir, 'ca')).then(ca => new CertificateKeeper(ca, tlsHooks.leafLifetimeMs))
      // Tried again at the next start or change of options.
      opening.catch(() => this.certificates === opening && (this.certificates = undefined))
      this.certificates = opening
    }
    await this.refreshCertificate()
    this.certificateTimer = setInterval(() => void this.refreshCertificate(), tlsHooks.checkMs ?? CERTIFICATE_CHECK_MS).unref()
  }

  private async stopNow(): Promise<void> {
    const { engine, discovery } = this
    clearInterval(this.certificateTimer)
    this.discovery = undefined
    // Goodbyes while the relay still answers, so LAN clients move on at once instead of timing out.
    if (discovery) await this.awaitGoodbyes(discovery.stop())
    await engine?.close()
    // The devices that left as the relay closed are in it by now.
    await this.history?.flush()
  }

  /** The history for the current options: opened when turned on, again for another port; undefined while off. */
  private openHistory(): HistoryStore | undefined {
    if (!this.current.history) return undefined
    const place = {
      dir: this.hooks.history?.dir ?? join(this.stateDir, 'history'),
      name: `${this.hooks.discovery?.frontEnd ?? 'relay'}-${this.current.port}`,
      writeDelayMs: this.hooks.history?.writeDelayMs,
    }
    if (this.history?.path === HistoryStore.pathOf(place)) return this.history
    // Another port is another relay, with a history of its own; the old one was flushed when it stopped.
    try {
      this.history = new HistoryStore(place, message => this.emit('problem', { code: 'history-failed', message }))
    } catch (error) {
      this.history = undefined
      this.emit('problem', { code: 'history-failed', message: (error as Error).message })
    }
    return this.history
  }

  /** History turned off: nothing more is recorded, and what was kept is deleted. */
  private async forgetHistory(): Promise<void> {
    const history = this.history
    this.history = undefined
    this.engine?.setHistory(undefined)
    await history?.remove()
  }

  private startDiscovery(relay: RelayServer): void {
    try {
      const discovery = (this.hooks.startDiscovery ?? startRelayDiscovery)(relay, {
        ...this.hooks.discovery,
        ...this.discoverySettings(this.current),
        // The port asked for, not the one got: a relay on "any free port" keeps its id across restarts too.
        requestedPort: this.current.port,
      })
      discovery.on('change', view => this.emit('advertising', view))
      this.discovery = discovery
      this.emit('advertising', discovery.view)
    } catch (error) {
      this.emit('problem', { code: 'discovery-failed', message: (error as Error).message })
    }
  }

  private discoverySettings(options: RelayNodeOptions): DiscoverySettings {
    return {
      advertise: options.advertise,
      interfaces: options.interfaces,
      priority: options.priority,
      tokenRequired: options.accessToken !== undefined,
      hostname: options.name,
      caFingerprint: this.engine?.tls?.ca.fingerprint,
    }
  }

  /** Waits for goodbyes to go out, but not forever: the network may have gone with the interface. */
  private async awaitGoodbyes(sending: Promise<void>): Promise<void> {
    const timeoutMs = this.hooks.goodbyeTimeoutMs ?? GOODBYE_TIMEOUT_MS
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>(resolve => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    try {
      const outcome = await Promise.race([sending, timedOut])
      if (outcome === 'timeout') this.emit('problem', { code: 'goodbyes-timed-out', timeoutMs })
    } catch (error) {
      this.emit('problem', { code: 'goodbyes-failed', message: (error as Error).message })
    } finally {
      clearTimeout(timer)
    }
  }
}
