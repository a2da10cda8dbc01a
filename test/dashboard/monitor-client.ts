/**
 * A monitoring-socket client for tests: it keeps the same state the dashboard keeps (by the
 * dashboard's own applyMessage), records action results, and can wait for a condition on either.
 */
import http from 'node:http'
import { WebSocket, type ClientOptions } from 'ws'
import { MONITOR_PATH, type ActionResultMessage, type MonitorClientMessage, type MonitorServerMessage } from '../../shared/monitoring.js'
import { applyMessage } from '../../src-renderer/model/apply-message.js'
import { INITIAL_STATE, type RelayState } from '../../src-renderer/model/relay-state.js'
import { eventually } from '../helpers/relay.js'

export class MonitorClient {
  readonly socket: WebSocket
  state: RelayState = INITIAL_STATE
  readonly messages: MonitorServerMessage[] = []
  readonly results: ActionResultMessage[] = []
  readonly opened: Promise<void>
  readonly closed: Promise<{ code: number; reason: string }>
  /** The HTTP status when the upgrade was refused. */
  refusedStatus: number | undefined

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + MONITOR_PATH, options)
    this.socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as MonitorServerMessage
      this.messages.push(message)
      if (message.type === 'action-result') this.results.push(message)
      else this.state = applyMessage(this.state, message, Date.now())
    })
    this.socket.on('unexpected-response', (_req, res: http.IncomingMessage) => {
      this.refusedStatus = res.statusCode
      res.resume()
      this.socket.terminate()
    })
    this.socket.on('error', () => {})
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve())
      this.socket.once('close', () => reject(new Error(`monitor closed before opening (HTTP ${this.refusedStatus})`)))
    })
    this.opened.catch(() => {})
    this.closed = new Promise(resolve => this.socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })))
  }

  send(message: MonitorClientMessage): void {
    this.socket.send(JSON.stringify(message))
  }

  async waitFor(check: (state: RelayState) => boolean, what: string, timeoutMs = 5_000): Promise<RelayState> {
    await eventually(() => check(this.state), timeoutMs, what)
    return this.state
  }

  async result(requestId: number): Promise<ActionResultMessage> {
    await eventually(() => this.results.some(r => r.requestId === requestId), 5_000, `action result ${requestId}`)
    return this.results.find(r => r.requestId === requestId)!
  }

  close(): Promise<unknown> {
    this.socket.close()
    return this.closed
  }
}

export interface HttpReply {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** A plain HTTP request, with any Host header (fetch will not send a forged one). */
/** `localAddress`: the loopback address to send from (127.0.0.2, ...), so one machine can act as several devices. */
export function httpRequest(
  port: number,
  options: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: string; localAddress?: string } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const { method = 'GET', path = '/', headers, localAddress } = options
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, localAddress }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}
