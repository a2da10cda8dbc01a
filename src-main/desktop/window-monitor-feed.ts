/**
 * The monitoring feed for the app's window, over IPC instead of the monitoring WebSocket: the same
 * messages (shared/monitoring.ts), computed by the same MonitorFeed, so the dashboard cannot tell
 * its data source apart. It follows the lifecycle from engine to engine: a restarted relay starts
 * every window over with a snapshot.
 */
import type { ActionResultMessage, MonitorClientMessage, MonitorServerMessage } from '../../shared/monitoring.js'
import { MonitorFeed } from '../monitoring/monitor-feed.js'
import type { MonitoredRelay } from '../monitoring/monitor-server.js'
import { performAdminAction } from '../monitoring/admin-actions.js'

/** A window's web contents, as far as the feed needs it. */
export interface FeedSubscriber {
  readonly id: number
  isDestroyed(): boolean
  send(message: MonitorServerMessage): void
}

export interface WindowFeedOptions {
  /** How often counts and rates go out while a window watches. */
  intervalMs?: number
  /** A relay event brings the next publish forward, but never closer than this to the previous one. */
  minIntervalMs?: number
}

export class WindowMonitorFeed {
  private readonly subscribers = new Map<number, FeedSubscriber>()
  private readonly intervalMs: number
  private readonly minIntervalMs: number
  private relay: MonitoredRelay | undefined
  private feed = new MonitorFeed()
  private tick: NodeJS.Timeout | undefined
  private soon: NodeJS.Timeout | undefined
  private lastPublishAt = 0

  constructor(options: WindowFeedOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1_000
    this.minIntervalMs = options.minIntervalMs ?? 250
  }

  /** The engine whose model windows see from now on. */
  watch(relay: MonitoredRelay): void {
    const watching = this.subscribers.size > 0
    if (watching) this.relay?.off('event', this.onRelayEvent)
    this.relay = relay
    this.feed = new MonitorFeed()
    if (!watching) return
    relay.on('event', this.onRelayEvent)
    // Only a snapshot: the new feed's first diff would repeat it as an update.
    this.lastPublishAt = Date.now()
    this.feed.advance(relay.snapshot())
    for (const subscriber of this.subscribers.values()) this.sendTo(subscriber, this.feed.snapshotMessage())
  }

  /** A window (re)starts watching: it gets a snapshot now, then updates. */
  subscribe(subscriber: FeedSubscriber): void {
    if (this.subscribers.size === 0) this.start()
    this.subscribers.delete(subscriber.id)
    // Brings the others up to now, so the newcomer's snapshot and the next update share a starting point.
    if (this.relay) this.publish()
    this.subscribers.set(subscriber.id, subscriber)
    if (this.relay) this.sendTo(subscriber, this.feed.snapshotMessage())
  }

  unsubscribe(id: number): void {
    if (!this.subscribers.delete(id)) return
    if (this.subscribers.size === 0) this.stop()
  }

  /** An admin action from a window; the answer goes back to that window. */
  perform(subscriber: FeedSubscriber, request: MonitorClientMessage): void {
    const result: ActionResultMessage = { type: 'action-result', requestId: request.requestId, ...performAdminAction(this.relay, request) }
    this.sendTo(subscriber, result)
    this.onRelayEvent()
  }

  close(): void {
    this.subscribers.clear()
    this.stop()
  }

  private start(): void {
    this.tick = setInterval(() => this.publish(), this.intervalMs).unref()
    this.relay?.on('event', this.onRelayEvent)
  }

  /** Nothing is computed for monitoring while no window watches. */
  private stop(): void {
    clearInterval(this.tick)
    clearTimeout(this.soon)
    this.soon = undefined
    this.relay?.off('event', this.onRelayEvent)
    this.feed = new MonitorFeed()
  }

  private readonly onRelayEvent = (): void => {
    if (this.soon || !this.relay) return
    const wait = Math.max(0, this.lastPublishAt + this.minIntervalMs - Date.now())
    this.soon = setTimeout(() => this.publish(), wait).unref()
  }

  private publish(): void {
    clearTimeout(this.soon)
    this.soon = undefined
    if (!this.relay) return
    this.lastPublishAt = Date.now()
    const update = this.feed.advance(this.relay.snapshot())
    for (const subscriber of this.subscribers.values()) this.sendTo(subscriber, update)
  }

  /** A window closed or crashed without unsubscribing is dropped here. */
  private sendTo(subscriber: FeedSubscriber, message: MonitorServerMessage): void {
    if (subscriber.isDestroyed()) {
      this.unsubscribe(subscriber.id)
      return
    }
    subscriber.send(message)
  }

}
