import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { ActionResultMessage, MonitorClientMessage } from '../../shared/monitoring.js'
import { refuseHttp } from '../relay/http-refusal.js'
import type { RelayServer } from '../relay/relay-server.js'
import { MonitorFeed } from './monitor-feed.js'
import { parseMonitorRequest } from './monitor-requests.js'
import { performAdminAction } from './admin-actions.js'

export type MonitoredRelay = Pick<RelayServer, 'snapshot' | 'on' | 'off' | 'disconnectPeer' | 'closePipe'>

export interface MonitorServerOptions {
  /** How often counts and rates go out while anyone watches; the engine samples rates once a second. */
  intervalMs?: number
  /** A relay event brings the next publish forward, but never closer than this to the previous one. */
  minIntervalMs?: number
}

interface Subscriber {
  socket: WebSocket
  /** Skipped updates because its socket was backed up; it gets a fresh snapshot once it drains. */
  behind: boolean
  answeredPing: boolean
}

/** Dashboards watching at once; each costs one send per publish. */
const MAX_SUBSCRIBERS = 32
/**
 * A dashboard that reads slower than the feed (a slow link, a frozen tab) is skipped while this
 * much is queued for it, so it can never make the relay buffer without bound.
 */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024
const HEARTBEAT_MS = 30_000

/**
 * The monitoring WebSocket. It costs nothing while nobody watches: the timers and the event listener
 * exist only while a dashboard is subscribed. While one is, the live model is read once per publish
 * (at most every `minIntervalMs`, at least every `intervalMs`), diffed once, serialised once and sent
 * to every subscriber — never any work per relayed message.
 */
export class MonitorServer {
  private readonly sockets = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 4096 })
  private readonly subscribers = new Set<Subscriber>()
  private readonly intervalMs: number
  private readonly minIntervalMs: number
  private feed = new MonitorFeed()
  private tick: NodeJS.Timeout | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private soon: NodeJS.Timeout | undefined
  private lastPublishAt = 0

  constructor(
    private readonly relay: MonitoredRelay,
    options: MonitorServerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_000
    this.minIntervalMs = options.minIntervalMs ?? 500
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  /** Takes an upgrade the caller has already allowed. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.subscribers.size >= MAX_SUBSCRIBERS) {
      refuseHttp(socket, 503, 'too many dashboards are open\n')
      return
    }
    this.sockets.handleUpgrade(req, socket, head, ws => this.subscribe(ws))
  }

  /** Closes every dashboard's socket. */
  async close(): Promise<void> {
    const closing = [...this.subscribers].map(({ socket }) => new Promise(resolve => socket.once('close', resolve)))
    for (const { socket } of this.subscribers) socket.close(1001, 'relay shutting down')
    const cutOff = setTimeout(() => {
      for (const { socket } of this.subscribers) socket.terminate()
    }, 1_000)
    await Promise.all(closing)
    clearTimeout(cutOff)
  }

  private subscribe(socket: WebSocket): void {
    const subscriber: Subscriber = { socket, behind: false, answeredPing: true }
    if (this.subscribers.size === 0) this.start()
    // Brings everyone already watching up to now, so the newcomer's snapshot and the next update
    // share one starting point.
    this.publish()
    this.subscribers.add(subscriber)
    socket.send(JSON.stringify(this.feed.snapshotMessage()))
    socket.on('message', (data: RawData, isBinary: boolean) => this.onRequest(subscriber, data as Buffer, isBinary))
    socket.on('pong', () => (subscriber.answeredPing = true))
    socket.on('error', () => socket.terminate())
    socket.on('close', () => {
      this.subscribers.delete(subscriber)
      if (this.subscribers.size === 0) this.stop()
    })
  }

  private start(): void {
    this.tick = setInterval(() => this.publish(), this.intervalMs).unref()
    this.heartbeat = setInterval(() => this.pingSubscribers(), HEARTBEAT_MS).unref()
    this.relay.on('event', this.onRelayEvent)
  }

  /** Drops everything kept for diffing, so an unwatched relay holds nothing for monitoring. */
  private stop(): void {
    clearInterval(this.tick)
    clearInterval(this.heartbeat)
    clearTimeout(this.soon)
    this.soon = undefined
    this.relay.off('event', this.onRelayEvent)
    this.feed = new MonitorFeed()
  }

  /** Something joined, left or opened: show it soon rather than at the next tick. */
  private readonly onRelayEvent = (): void => {
    if (this.soon) return
    const wait = Math.max(0, this.lastPublishAt + this.minIntervalMs - Date.now())
    this.soon = setTimeout(() => this.publish(), wait).unref()
  }

  private publish(): void {
    clearTimeout(this.soon)
    this.soon = undefined
    this.lastPublishAt = Date.now()
    const update = this.feed.advance(this.relay.snapshot())
    let text: string | undefined
    for (const subscriber of this.subscribers) {
      const { socket } = subscriber
      if (socket.readyState !== socket.OPEN) continue
      if (socket.bufferedAmount > MAX_QUEUED_BYTES) {
        subscriber.behind = true
      } else if (subscriber.behind) {
        subscriber.behind = false
        socket.send(JSON.stringify(this.feed.snapshotMessage()))
      } else {
        socket.send((text ??= JSON.stringify(update)))
      }
    }
  }

  private pingSubscribers(): void {
    for (const subscriber of this.subscribers) {
      if (!subscriber.answeredPing) {
        subscriber.socket.terminate()
        continue
      }
      subscriber.answeredPing = false
      subscriber.socket.ping()
    }
  }

  private onRequest(subscriber: Subscriber, data: Buffer, isBinary: boolean): void {
    const request = parseMonitorRequest(data, isBinary)
    if (!request) {
      subscriber.socket.close(1003, 'not a monitoring request')
      return
    }
    const result: ActionResultMessage = { type: 'action-result', requestId: request.requestId, ...performAdminAction(this.relay, request) }
    subscriber.socket.send(JSON.stringify(result))
    this.onRelayEvent()
  }
}
