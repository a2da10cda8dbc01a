/**
 * The relay node as the main process sees it when the node runs in the relay host process: the
 * same start / stop / reconfigure as RelayNode, each a request answered by id over the channel.
 * The host process is spawned on the first request and again after it dies.
 */
import { EventEmitter } from 'node:events'
import type { FromRelayHost, HostFailure, HostListening, NodeProblem, RelayHostSetup, ToRelayHost } from '../../../shared/relay-host-messages.js'
import type { RelayNodeOptions, RestartCause } from '../../../shared/relay-node-options.js'
import type { AdvertisingView } from '../../../shared/relay-model.js'
import { checkNodeOptions } from '../../node/check-options.js'
import { ListenFailure } from '../../node/listen-failure.js'
import type { RelayActivity } from '../relay/relay-activity.js'
import { HostedMonitor } from './hosted-monitor.js'

/** The host process as Electron's UtilityProcess presents it (a forked child is adapted to it: fork-host.ts). */
export interface HostProcess {
  postMessage(message: ToRelayHost): void
  on(event: 'message', listener: (message: FromRelayHost) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  kill(): boolean
}

export type SpawnHost = () => HostProcess

export interface HostedNodeEvents {
  advertising: [AdvertisingView]
  problem: [NodeProblem]
  activity: [RelayActivity]
  log: ['append' | 'write', string]
  /** The host process ended without being asked to; every request in flight failed. */
  crashed: [number]
}

/** After the goodbyes, a host that has not exited by then is killed: quitting never hangs on it. */
const EXIT_TIMEOUT_MS = 5_000

type Reply = Extract<FromRelayHost, { type: 'reply' }>

export class HostedNode extends EventEmitter<HostedNodeEvents> {
  readonly monitor: HostedMonitor
  private host: HostProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private readonly pending = new Map<number, (reply: Reply) => void>()
  private nextId = 1
  private current: RelayNodeOptions
  private address: HostListening | undefined
  private latestActivity: RelayActivity | undefined

  constructor(
    options: RelayNodeOptions,
    private readonly spawnHost: SpawnHost,
    private readonly setup: RelayHostSetup,
  ) {
    super()
    this.current = options
    this.monitor = new HostedMonitor(message => this.host?.postMessage(message))
  }

  get options(): RelayNodeOptions {
    return this.current
  }

  get listening(): HostListening | undefined {
    return this.address
  }

  /** The last summary the host sent, while running. */
  get activity(): RelayActivity | undefined {
    return this.latestActivity
  }

  async start(): Promise<HostListening> {
    const reply = await this.request({ type: 'start', id: this.nextId++ })
    this.address = reply.listening
    return reply.listening!
  }

  async stop(): Promise<void> {
    if (!this.host) return
    await this.request({ type: 'stop', id: this.nextId++, exit: false })
    this.address = undefined
    this.latestActivity = undefined
  }

  /** Goodbyes, then the host exits; killed when it does not within EXIT_TIMEOUT_MS. */
  async quit(): Promise<void> {
    const host = this.host
    if (!host) return
    const exited = this.exited
    // The host is leaving: its exit is no crash.
    this.host = undefined
    const stopped = new Promise<void>(resolve => {
      const id = this.nextId++
      this.pending.set(id, () => resolve())
      host.postMessage({ type: 'stop', id, exit: true })
    })
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>(resolve => (timer = setTimeout(() => resolve('late'), EXIT_TIMEOUT_MS)))
    try {
      if ((await Promise.race([stopped.then(() => exited), late])) === 'late') host.kill()
    } finally {
      clearTimeout(timer)
    }
    this.address = undefined
  }

  async reconfigure(options: RelayNodeOptions): Promise<{ restarted: RestartCause[] }> {
    // Refused here too, so a stopped host is not spawned for options it would refuse.
    checkNodeOptions(options)
    if (!this.host) {
      this.current = options
      return { restarted: [] }
    }
    const reply = await this.request({ type: 'reconfigure', id: this.nextId++, options })
    this.current = options
    this.address = reply.listening
    return { restarted: reply.restarted ?? [] }
  }

  private async request(message: ToRelayHost & { id: number }): Promise<Extract<Reply, { ok: true }>> {
    const host = this.spawned()
    const reply = await new Promise<Reply>(resolve => {
      this.pending.set(message.id, resolve)
      host.postMessage(message)
    })
    if (!reply.ok) throw failureError(reply.failure)
    return reply
  }

  private spawned(): HostProcess {
    if (this.host) return this.host
    const host = this.spawnHost()
    this.host = host
    this.exited = new Promise(resolve => host.on('exit', code => (this.onExit(host, code), resolve())))
    host.on('message', message => this.onMessage(message))
    host.postMessage({ type: 'init', options: this.current, setup: this.setup })
    this.monitor.resubscribeAll()
    return host
  }

  private onExit(host: HostProcess, code: number): void {
    const failed = [...this.pending.entries()]
    this.pending.clear()
    for (const [id, answer] of failed) answer({ type: 'reply', id, ok: false, failure: { kind: 'refused', message: `the relay process exited (code ${code})` } })
    if (host !== this.host) return
    this.host = undefined
    this.address = undefined
    this.latestActivity = undefined
    this.emit('crashed', code)
  }

  private onMessage(message: FromRelayHost): void {
    switch (message.type) {
      case 'reply': {
        const answer = this.pending.get(message.id)
        this.pending.delete(message.id)
        return answer?.(message)
      }
      case 'advertising':
        return void this.emit('advertising', message.view)
      case 'problem':
        return void this.emit('problem', message.problem)
      case 'activity': {
        const { type: _type, ...activity } = message
        this.latestActivity = activity
        return void this.emit('activity', activity)
      }
      case 'log':
        return void this.emit('log', message.kind, message.text)
      case 'monitor':
        return this.monitor.deliver(message.sink, message.message)
    }
  }
}

function failureError(failure: HostFailure): Error {
  if (failure.kind === 'listen') return new ListenFailure(failure.code, failure.host, failure.port, failure.detail)
  return new Error(failure.message)
}
