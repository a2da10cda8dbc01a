import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { refuseHttp } from '../relay/http-refusal.js'
import type { MonitorPublisher, MonitorSink, Outgoing } from './monitor-publisher.js'
import { parseMonitorRequest } from './monitor-requests.js'

const HEARTBEAT_MS = 30_000

class SocketSink implements MonitorSink {
  answeredPing = true

  constructor(readonly socket: WebSocket) {}

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN
  }

  get queuedBytes(): number {
    return this.socket.bufferedAmount
  }

  send(message: Outgoing): void {
    if (this.open) this.socket.send(message.text)
  }
}

/**
 * The monitoring feed over WebSocket, for dashboards in a browser: it carries the publisher's
 * messages and brings back admin requests. Whether an upgrade may reach it is decided before
 * (dashboard-extension.ts). Its heartbeat runs only while a dashboard is connected.
 */
export class MonitorSocketTransport {
  private readonly server = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 4096 })
  private readonly sinks = new Set<SocketSink>()
  private heartbeat: NodeJS.Timeout | undefined

  constructor(private readonly publisher: MonitorPublisher) {}

  /** Takes an upgrade the caller has already allowed. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.publisher.full) {
      refuseHttp(socket, 503, 'too many dashboards are open\n')
      return
    }
    this.server.handleUpgrade(req, socket, head, ws => this.adopt(ws))
  }

  /** Closes every dashboard's socket. */
  async close(): Promise<void> {
    const closing = [...this.sinks].map(({ socket }) => new Promise(resolve => socket.once('close', resolve)))
    for (const { socket } of this.sinks) socket.close(1001, 'relay shutting down')
    const cutOff = setTimeout(() => {
      for (const { socket } of this.sinks) socket.terminate()
    }, 1_000)
    await Promise.all(closing)
    clearTimeout(cutOff)
  }

  private adopt(socket: WebSocket): void {
    const sink = new SocketSink(socket)
    socket.on('error', () => socket.terminate())
    // ws completes the handshake synchronously, so the check before it holds; should that change,
    // a socket the publisher will not feed must not stay open.
    if (!this.publisher.subscribe(sink)) {
      socket.close(1013, 'too many dashboards are open')
      return
    }
    this.sinks.add(sink)
    this.heartbeat ??= setInterval(() => this.pingSinks(), HEARTBEAT_MS).unref()
    socket.on('message', (data: RawData, isBinary: boolean) => this.onRequest(sink, data as Buffer, isBinary))
    socket.on('pong', () => (sink.answeredPing = true))
    socket.on('close', () => {
      this.publisher.unsubscribe(sink)
      this.sinks.delete(sink)
      if (this.sinks.size > 0) return
      clearInterval(this.heartbeat)
      this.heartbeat = undefined
    })
  }

  private pingSinks(): void {
    for (const sink of this.sinks) {
      if (!sink.answeredPing) {
        sink.socket.terminate()
        continue
      }
      sink.answeredPing = false
      sink.socket.ping()
    }
  }

  private onRequest(sink: SocketSink, data: Buffer, isBinary: boolean): void {
    const request = parseMonitorRequest(data, isBinary)
    if (request) this.publisher.perform(sink, request)
    else sink.socket.close(1003, 'not a monitoring request')
  }
}
