/**
 * The one monitoring feed, whatever carries it: the dashboard's WebSocket (monitor-socket.ts) and the
 * app window's IPC (desktop/window/window-monitor-transport.ts) are thin transports that subscribe here, so
 * both see the same messages, published by the same policy, from one model read per publish.
 */
import type { ActionResultMessage, MonitorClientMessage, MonitorServerMessage } from '../../shared/monitoring.js'
import type { RelayServer } from '../relay/relay-server.js'
import { performAdminAction } from './admin-actions.js'
import { MonitorFeed } from './monitor-feed.js'

export type MonitoredRelay = Pick<RelayServer, 'snapshot' | 'on' | 'off' | 'disconnectPeer' | 'closePipe' | 'clearHistory'>

export interface PublishPolicy {
  /** How often counts and rates go out while anyone watches; the engine samples rates once a second. */
  intervalMs: number
  /**
   * A relay event brings the next publish forward, but never closer than this to the previous one:
   * a busy relay costs at most 1000 / minIntervalMs publishes a second.
   */
  minIntervalMs: number
  /** Subscribers at once, over every transport together; each costs one send per publish. */
  maxSubscribers: number
  /**
   * A subscriber that reads slower than the feed (a slow link, a frozen tab) is skipped while this
   * much is queued for it, so it can never make the relay buffer without bound.
   */
  maxQueuedBytes: number
}

/** "With one open the relay publishes at most two diffs a second" (README). */
export const PUBLISH_POLICY: Readonly<PublishPolicy> = Object.freeze({
  intervalMs: 1_000,
  minIntervalMs: 500,
  maxSubscribers: 32,
  maxQueuedBytes: 8 * 1024 * 1024,
})

/** One message as every subscriber gets it: serialised at most once, and only if a transport needs text. */
export class Outgoing {
  private json: string | undefined

  constructor(readonly message: MonitorServerMessage) {}

  get text(): string {
    return (this.json ??= JSON.stringify(this.message))
  }
}

/** A subscriber as its transport presents it. */
export interface MonitorSink {
  /** False once the other end is gone (a closed socket, a destroyed window); the publisher drops it. */
  readonly open: boolean
  /** Bytes sent to it that it has not taken yet. */
  readonly queuedBytes: number
  send(message: Outgoing): void
}

/**
 * Costs nothing while nobody watches: the timer, the relay listener and the state kept for diffing
 * exist only while someone is subscribed. While someone is, each publish reads the live model once,
 * diffs it once and serialises the update once, whatever the number of subscribers; never any work
 * per relayed message.
 */
export class MonitorPublisher {
  readonly policy: Readonly<PublishPolicy>
  /** Per subscriber: skipped while backed up, so it needs a fresh snapshot once it drains. */
  private readonly subscribers = new Map<MonitorSink, { behind: boolean }>()
  private relay: MonitoredRelay | undefined
  /** What subscribers were last brought to; undefined while nobody watches or when starting over. */
  private feed: MonitorFeed | undefined
  private snapshot: Outgoing | undefined
  private timer: NodeJS.Timeout | undefined
  private dueAt = Infinity
  private lastPublishAt = -Infinity

  constructor(relay?: MonitoredRelay, policy: Partial<PublishPolicy> = {}) {
    this.relay = relay
    this.policy = { ...PUBLISH_POLICY, ...policy }
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  /** Lets a transport refuse a newcomer before it spends anything on it (a WebSocket handshake). */
  get full(): boolean {
    return this.subscribers.size >= this.policy.maxSubscribers
  }

  /** The engine whose model subscribers see from now on (a restart replaces it): everyone starts over with a snapshot. */
  follow(relay: MonitoredRelay): void {
    if (relay === this.relay) return
    const watching = this.subscribers.size > 0
    if (watching) this.relay?.off('event', this.onRelayEvent)
    this.relay = relay
    this.feed = undefined
    if (!watching) return
    relay.on('event', this.onRelayEvent)
    this.publish()
  }

  /** False when the subscriber cap is reached. A newcomer gets a snapshot now (once there is a relay), then updates. */
  subscribe(sink: MonitorSink, { capped = true }: { capped?: boolean } = {}): boolean {
    if (this.subscribers.has(sink)) return true
    if (capped && this.full) return false
    this.subscribers.set(sink, { behind: false })
    if (this.subscribers.size === 1) this.relay?.on('event', this.onRelayEvent)
    if (!this.relay) return true
    if (this.feed) {
      // The state everyone else was last brought to, so the next update applies to it; the newcomer
      // then brings that update forward instead of costing a publish of its own.
      sink.send(this.currentSnapshot())
      this.onRelayEvent()
    } else {
      this.publish()
    }
    return true
  }

  unsubscribe(sink: MonitorSink): void {
    if (this.subscribers.delete(sink) && this.subscribers.size === 0) this.stop()
  }

  /** An admin action from any transport; the answer goes to the subscriber that asked. */
  perform(sink: MonitorSink, request: MonitorClientMessage): void {
    const result: ActionResultMessage = { type: 'action-result', requestId: request.requestId, ...performAdminAction(this.relay, request) }
    sink.send(new Outgoing(result))
    this.onRelayEvent()
  }

  /** Something joined, left or opened: show it soon rather than at the next regular publish. */
  private readonly onRelayEvent = (): void => {
    if (this.feed) this.publishAt(this.lastPublishAt + this.policy.minIntervalMs)
  }

  /** One timer for both the regular publish and an early one, so two can never come closer than minIntervalMs. */
  private publishAt(at: number): void {
    if (this.timer !== undefined && this.dueAt <= at) return
    clearTimeout(this.timer)
    this.dueAt = at
    this.timer = setTimeout(() => this.publish(), Math.max(0, at - performance.now())).unref()
  }

  private publish(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.dueAt = Infinity
    if (!this.relay || this.subscribers.size === 0) return
    const startingOver = this.feed === undefined
    this.feed ??= new MonitorFeed()
    const update = new Outgoing(this.feed.advance(this.relay.snapshot()))
    this.snapshot = undefined
    this.lastPublishAt = performance.now()
    for (const [sink, state] of this.subscribers) {
      if (!sink.open) {
        this.subscribers.delete(sink)
      } else if (sink.queuedBytes > this.policy.maxQueuedBytes) {
        state.behind = true
      } else if (startingOver || state.behind) {
        state.behind = false
        sink.send(this.currentSnapshot())
      } else {
        sink.send(update)
      }
    }
    if (this.subscribers.size === 0) this.stop()
    else this.publishAt(this.lastPublishAt + this.policy.intervalMs)
  }

  private currentSnapshot(): Outgoing {
    return (this.snapshot ??= new Outgoing(this.feed!.snapshotMessage()))
  }

  /** Drops everything kept for diffing, so an unwatched relay holds nothing for monitoring. */
  private stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.dueAt = Infinity
    this.relay?.off('event', this.onRelayEvent)
    this.feed = undefined
    this.snapshot = undefined
  }
}
