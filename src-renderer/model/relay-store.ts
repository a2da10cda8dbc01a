import type { AdminAction, MonitorServerMessage } from '../../shared/monitoring.js'
import type { RelayDataSource } from '../data/relay-data-source.js'
import { applyMessage } from './apply-message.js'
import { INITIAL_STATE, type RelayState } from './relay-state.js'

export interface ActionOutcome {
  ok: boolean
  message: string
}

const ACTION_TIMEOUT_MS = 5_000

/**
 * Holds the dashboard's state and keeps it current from a data source. React reads it through
 * `subscribe`/`getState` (useSyncExternalStore); admin actions go out through `perform`.
 */
export class RelayStore {
  private state: RelayState = INITIAL_STATE
  private readonly listeners = new Set<() => void>()
  private readonly pending = new Map<number, (outcome: ActionOutcome) => void>()
  private nextRequestId = 1

  constructor(
    private readonly source: RelayDataSource,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts the feed; returns a function that stops it. */
  start(): () => void {
    return this.source.start({
      message: message => this.receive(message),
      status: feed => {
        if (feed !== 'live') this.settleAll({ ok: false, message: 'The connection to the relay was lost.' })
        this.setState({ ...this.state, feed })
      },
    })
  }

  readonly getState = (): RelayState => this.state

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  perform(action: AdminAction): Promise<ActionOutcome> {
    const requestId = this.nextRequestId++
    if (!this.source.send({ ...action, requestId })) {
      return Promise.resolve({ ok: false, message: 'Not connected to the relay.' })
    }
    return new Promise(resolve => {
      const timer = setTimeout(() => settle({ ok: false, message: 'The relay did not answer.' }), ACTION_TIMEOUT_MS)
      const settle = (outcome: ActionOutcome) => {
        clearTimeout(timer)
        this.pending.delete(requestId)
        resolve(outcome)
      }
      this.pending.set(requestId, settle)
    })
  }

  private receive(message: MonitorServerMessage): void {
    if (message.type === 'action-result') {
      this.pending.get(message.requestId)?.({ ok: message.ok, message: message.message })
      return
    }
    this.setState(applyMessage(this.state, message, this.clock()))
  }

  private settleAll(outcome: ActionOutcome): void {
    for (const settle of [...this.pending.values()]) settle(outcome)
  }

  private setState(state: RelayState): void {
    this.state = state
    for (const listener of this.listeners) listener()
  }
}
