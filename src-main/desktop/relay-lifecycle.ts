/**
 * The relay inside the app: starts it, stops it, pauses and resumes it, restarts it when its
 * settings change, and on quit sends LAN discovery's goodbyes before closing it. Plain Node, no
 * Electron: the tray, the window and the tests all drive this one object.
 */
import { EventEmitter } from 'node:events'
import { isDeepStrictEqual } from 'node:util'
import type { RelayStatus } from '../../shared/ipc-schema.js'
import type { RelayLimits } from '../../shared/limits.js'
import type { RelayEvent } from '../../shared/relay-model.js'
import { DashboardExtension } from '../monitoring/dashboard-extension.js'
import type { DashboardFile } from '../monitoring/dashboard-files.js'
import type { AccessOptions } from '../relay/access.js'
import { RelayServer, type ListeningAddress } from '../relay/relay-server.js'
import { listenProblem } from './listen-problem.js'

export interface EngineOptions {
  /** undefined listens on every interface. */
  host: string | undefined
  port: number
  limits: Partial<RelayLimits>
  /** Lets other devices open the relay's browser dashboard. */
  adminToken: string | undefined
  access: AccessOptions
}

export interface AdvertisingOptions {
  advertise: boolean
  interfaces: string[]
  /** The name other devices see; undefined for the machine's host name. */
  name: string | undefined
  /** Say in the TXT record that apps need the access token (never the token itself). */
  tokenRequired: boolean
}

export interface LifecycleOptions {
  engine: EngineOptions
  advertising: AdvertisingOptions
}

/** LAN discovery for one running relay. `stop` sends the goodbyes and resolves once they are out. */
export interface Advertisement {
  stop(): Promise<void>
}

export type StartAdvertising = (relay: RelayServer, options: AdvertisingOptions) => Advertisement

export interface LifecycleDependencies {
  startAdvertising: StartAdvertising
  /** The built dashboard the relay serves to browsers; read from dist/renderer when omitted. */
  dashboardFiles?: Map<string, DashboardFile>
  /** Goodbyes that take longer than this are given up on, so quitting never hangs on the network. */
  goodbyeTimeoutMs?: number
}

export interface LifecycleEvents {
  status: [RelayStatus]
  /** A new engine took over; the window's monitoring feed follows it. */
  relay: [RelayServer]
  /** Something went wrong that does not stop the relay (LAN discovery failing to start, say). */
  problem: [string]
}

const GOODBYE_TIMEOUT_MS = 3_000

export class RelayLifecycle extends EventEmitter<LifecycleEvents> {
  private options: LifecycleOptions
  private engine: RelayServer | undefined
  private advertisement: Advertisement | undefined
  private current: RelayStatus
  /** Every start, stop and restart runs after the previous one finished: clicks and setting changes can come at any time. */
  private queue: Promise<void> = Promise.resolve()
  private quitting = false

  constructor(
    options: LifecycleOptions,
    private readonly dependencies: LifecycleDependencies,
  ) {
    super()
    this.options = options
    this.current = { phase: 'starting', port: options.engine.port }
  }

  get status(): RelayStatus {
    return this.current
  }

  /** The engine whose model the dashboard shows: the running one, or the last one (closed) while paused. */
  get relay(): RelayServer | undefined {
    return this.engine
  }

  start(): Promise<void> {
    return this.enqueue(() => this.startNow())
  }

  pause(): Promise<void> {
    return this.enqueue(() => this.stopNow({ phase: 'paused' }))
  }

  /** Resumes a paused relay, or tries again after an error. */
  resume(): Promise<void> {
    return this.start()
  }

  /**
   * New settings. A running (or failed) relay restarts with them; a paused one uses them when it
   * resumes. Discovery changes restart the relay too: discovery serves an endpoint on the relay's
   * port, which the engine cannot take back from a running relay.
   */
  reconfigure(options: LifecycleOptions): Promise<void> {
    return this.enqueue(async () => {
      const changed = !isDeepStrictEqual(options, this.options)
      this.options = options
      if (!changed || this.current.phase === 'paused' || this.current.phase === 'stopped') return
      await this.stopNow({ phase: 'starting', port: options.engine.port })
      await this.startNow()
    })
  }

  /** Goodbyes first, then the relay closes every socket; nothing starts after this. */
  quit(): Promise<void> {
    this.quitting = true
    return this.enqueue(() => this.stopNow({ phase: 'stopped' }))
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step)
    // A failed step must not block the ones after it; its caller still sees the failure.
    this.queue = next.catch(() => undefined)
    return next
  }

  private async startNow(): Promise<void> {
    if (this.quitting || this.current.phase === 'running') return
    const { engine, advertising } = this.options
    this.setStatus({ phase: 'starting', port: engine.port })
    let relay: RelayServer
    try {
      relay = new RelayServer({ host: engine.host, port: engine.port, limits: engine.limits, access: engine.access })
    } catch (error) {
      // Limits the engine refuses (stored before a change to its rules, say).
      this.setStatus({ phase: 'error', port: engine.port, message: (error as Error).message })
      return
    }
    relay.use(new DashboardExtension(relay, { adminToken: engine.adminToken, files: this.dependencies.dashboardFiles }))
    this.engine = relay
    this.emit('relay', relay)
    let address: ListeningAddress
    try {
      address = await relay.listen()
    } catch (error) {
      await relay.close()
      this.setStatus({ phase: 'error', port: engine.port, message: listenProblem(error as NodeJS.ErrnoException, engine) })
      return
    }
    relay.on('event', this.onRelayEvent)
    try {
      this.advertisement = this.dependencies.startAdvertising(relay, advertising)
    } catch (error) {
      this.emit('problem', `LAN discovery did not start: ${(error as Error).message}`)
    }
    this.setStatus({ phase: 'running', port: address.port, urls: address.urls, peers: relay.health().counts.peers })
  }

  private async stopNow(after: RelayStatus): Promise<void> {
    const { engine, advertisement } = this
    this.advertisement = undefined
    engine?.off('event', this.onRelayEvent)
    // Goodbyes while the relay still answers, so LAN clients move on at once instead of timing out.
    if (advertisement) await this.sayGoodbye(advertisement)
    await engine?.close()
    this.setStatus(after)
  }

  private async sayGoodbye(advertisement: Advertisement): Promise<void> {
    const timeoutMs = this.dependencies.goodbyeTimeoutMs ?? GOODBYE_TIMEOUT_MS
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>(resolve => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    try {
      const outcome = await Promise.race([advertisement.stop(), timedOut])
      if (outcome === 'timeout') this.emit('problem', `LAN discovery's goodbyes took over ${timeoutMs} ms; stopped waiting`)
    } catch (error) {
      this.emit('problem', `LAN discovery's goodbyes failed: ${(error as Error).message}`)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Only joins and leaves change what the tray shows. */
  private readonly onRelayEvent = (event: RelayEvent): void => {
    if (event.kind !== 'peer-connect' && event.kind !== 'peer-disconnect') return
    if (this.current.phase !== 'running' || !this.engine) return
    const peers = this.engine.health().counts.peers
    if (peers !== this.current.peers) this.setStatus({ ...this.current, peers })
  }

  private setStatus(status: RelayStatus): void {
    if (isDeepStrictEqual(status, this.current)) return
    this.current = status
    this.emit('status', status)
  }
}
