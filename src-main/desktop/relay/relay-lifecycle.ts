/**
 * The relay inside the app: starts the relay node (in the relay host process when `host` is given,
 * as the app does; in this process otherwise), pauses (node stopped) and resumes it, hands it
 * new settings (applied live; only a new listen address or port restarts it, and the status says
 * so first), and on quit stops it with LAN discovery's goodbyes first. Plain Node, no Electron:
 * the tray, the window and the tests all drive this one object.
 */
import { EventEmitter } from 'node:events'
import { isDeepStrictEqual } from 'node:util'
import type { RelayStatus } from '../../../shared/ipc-schema.js'
import { restartNeeded, type RelayNodeOptions } from '../../../shared/relay-node-options.js'
import type { AdvertisingView } from '../../../shared/relay-model.js'
import { checkNodeOptions } from '../../node/check-options.js'
import { ListenFailure } from '../../node/listen-failure.js'
import { RelayNode, type NodeProblem, type RelayNodeHooks } from '../../node/relay-node.js'
import type { RelayServer } from '../../relay/relay-server.js'
import type { MonitorAccess } from '../relay-host/hosted-monitor.js'
import { HostedNode, type SpawnHost } from '../relay-host/hosted-node.js'
import type { HostListening, RelayHostSetup } from '../../../shared/relay-host-messages.js'
import { listenProblem } from './listen-problem.js'
import { ACTIVITY_SAMPLE_MS, relayActivity, type RelayActivity } from './relay-activity.js'

export interface LifecycleEvents {
  status: [RelayStatus]
  /** A new engine took over in this process (not with a host); the window's monitoring feed follows it. */
  relay: [RelayServer]
  /** A notable relay event from the host as a log line (`append`), or a count of those left out (`write`). */
  'relay-log': ['append' | 'write', string]
  advertising: [AdvertisingView]
  /** Something went wrong that does not stop the relay (LAN discovery failing to start, say), in words for the log. */
  problem: [string]
}

export interface LifecycleHooks extends RelayNodeHooks {
  /** Runs the node in the relay host process; only `setup`'s plain data reaches it, not the other hooks. */
  host?: { spawn: SpawnHost; setup: RelayHostSetup }
}

/** A crashed host is started again this many times; then the relay waits for Resume or new settings. */
export const HOST_RESTARTS = 3

export class RelayLifecycle extends EventEmitter<LifecycleEvents> {
  private readonly node: RelayNode | HostedNode
  private current: RelayStatus
  /** Every start, stop and change runs after the previous one finished: clicks and setting changes can come at any time. */
  private queue: Promise<void> = Promise.resolve()
  private quitting = false
  /** Reads who is connected and whether data flows, once a second while running, for the tray. */
  private activityTimer: NodeJS.Timeout | undefined
  /** Automatic restarts of a crashed host since the last Resume: a host that keeps crashing is not restarted forever. */
  private hostRestarts = 0

  constructor(options: RelayNodeOptions, hooks: LifecycleHooks = {}) {
    super()
    this.current = { phase: 'starting', port: options.port }
    if (hooks.host) {
      const node = new HostedNode(options, hooks.host.spawn, hooks.host.setup)
      node.on('advertising', view => this.emit('advertising', view))
      node.on('problem', problem => this.emit('problem', problemWords(problem)))
      node.on('log', (kind, text) => this.emit('relay-log', kind, text))
      node.on('activity', activity => this.current.phase === 'running' && this.setStatus({ ...this.current, ...activity }))
      node.on('crashed', code => this.hostCrashed(code))
      this.node = node
    } else {
      const node = new RelayNode(options, hooks)
      node.on('engine', relay => this.emit('relay', relay))
      node.on('advertising', view => this.emit('advertising', view))
      node.on('problem', problem => this.emit('problem', problemWords(problem)))
      this.node = node
    }
  }

  get status(): RelayStatus {
    return this.current
  }

  /** The monitoring feed the app's windows subscribe to; it follows the node from engine to engine. */
  get monitor(): MonitorAccess {
    return this.node.monitor
  }

  /** The engine whose model the dashboard shows (the running one, or the last one, closed, while paused); undefined with a host. */
  get relay(): RelayServer | undefined {
    return this.node instanceof RelayNode ? this.node.relay : undefined
  }

  start(): Promise<void> {
    return this.enqueue(() => this.startNow())
  }

  pause(): Promise<void> {
    return this.enqueue(() => this.stopNow({ phase: 'paused' }))
  }

  /** Resumes a paused relay, or tries again after an error. */
  resume(): Promise<void> {
    this.hostRestarts = 0
    return this.start()
  }

  /**
   * New settings. A running relay applies them without dropping anyone, except a new listen
   * address or port: then the status says "starting" with the reason before the relay restarts. A
   * relay that failed tries again with them; a paused one uses them when it resumes.
   */
  reconfigure(options: RelayNodeOptions): Promise<void> {
    return this.enqueue(async () => {
      // Refused here, before the status announces a restart that will not happen.
      checkNodeOptions(options)
      const before = this.current.phase
      const restart = restartNeeded(this.node.options, options)
      if (before === 'running' && restart.length > 0) this.setStatus({ phase: 'starting', port: options.port, restart })
      try {
        const { restarted } = await this.node.reconfigure(options)
        if (restarted.length > 0) this.setRunning(this.node.listening!)
      } catch (error) {
        if (!(error instanceof ListenFailure)) throw error
        this.setStatus({ phase: 'error', port: options.port, message: listenProblem(error) })
        return
      }
      if (before === 'error') await this.startNow()
    })
  }

  /** Resolves once every start, stop and change asked for so far is done, whether or not it succeeded. */
  settled(): Promise<void> {
    return this.queue
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
    const { port } = this.node.options
    this.setStatus({ phase: 'starting', port })
    try {
      this.setRunning(await this.node.start())
    } catch (error) {
      // A busy port, an address that is not this machine's, or limits stored before a change to their rules.
      this.setStatus({ phase: 'error', port, message: error instanceof ListenFailure ? listenProblem(error) : (error as Error).message })
    }
  }

  private async stopNow(after: RelayStatus): Promise<void> {
    // The peers the shutdown disconnects are not news for the tray.
    clearInterval(this.activityTimer)
    // Quitting, the host process leaves too once its goodbyes are out.
    if (this.quitting && this.node instanceof HostedNode) await this.node.quit()
    else await this.node.stop()
    this.setStatus(after)
  }

  private setRunning(address: Pick<HostListening, 'port' | 'urls'>): void {
    this.setStatus({ phase: 'running', port: address.port, urls: address.urls, ...this.activity() })
    clearInterval(this.activityTimer)
    // The host sends its own activity as it changes.
    if (this.node instanceof HostedNode) return
    // Polled rather than driven by events: "syncing" is a rate, which changes without any event,
    // and a crowd joining at once costs one read a second instead of one per join.
    this.activityTimer = setInterval(() => this.sampleActivity(), ACTIVITY_SAMPLE_MS).unref()
  }

  private sampleActivity(): void {
    if (this.current.phase !== 'running') return
    this.setStatus({ ...this.current, ...this.activity() })
  }

  private activity(): RelayActivity {
    if (this.node instanceof HostedNode) return this.node.activity ?? { peers: 0, devices: [], syncing: false }
    return relayActivity(this.node.relay!.snapshot())
  }

  /** The status says so, and the relay starts again in a new host, HOST_RESTARTS times until the next Resume. */
  private hostCrashed(code: number): void {
    if (this.quitting) return
    const wasRunning = this.current.phase === 'running' || this.current.phase === 'starting'
    const port = this.node.options.port
    const again = wasRunning && this.hostRestarts < HOST_RESTARTS
    const what = `The relay process stopped unexpectedly (exit code ${code})`
    this.setStatus({ phase: 'error', port, message: again ? `${what}; restarting it.` : `${what}; choose Resume to start it again.` })
    if (!again) return
    this.hostRestarts++
    void this.start()
  }

  private setStatus(status: RelayStatus): void {
    if (isDeepStrictEqual(status, this.current)) return
    this.current = status
    this.emit('status', status)
  }
}

function problemWords(problem: NodeProblem): string {
  switch (problem.code) {
    case 'discovery-failed':
      return `LAN discovery did not start: ${problem.message}`
    case 'goodbyes-timed-out':
      return `LAN discovery's goodbyes took over ${problem.timeoutMs} ms; stopped waiting`
    case 'tls-failed':
      return `TLS is off: ${problem.message}`
    case 'goodbyes-failed':
      return `LAN discovery's goodbyes failed: ${problem.message}`
    case 'history-failed':
      return problem.message
  }
}
