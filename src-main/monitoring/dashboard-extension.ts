import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { DASHBOARD_PREFIX, MONITOR_PATH, SIGN_IN_PATH } from '../../shared/monitoring.js'
import type { RelayExtension, RelayServer } from '../relay/relay-server.js'
import { AdminAccess, isSameOrigin } from './admin-access.js'
import { loadDashboardFiles, type DashboardFile } from './dashboard-files.js'
import { MonitorPublisher } from './monitor-publisher.js'
import { MonitorSocketTransport } from './monitor-socket.js'
import { LANDING_PAGE_CSP, arrivedOverTls, visitOf } from '../relay/http-pages.js'
import { refuseHttp } from '../relay/http-refusal.js'
import { publicPage } from './public-page.js'

export interface DashboardOptions {
  /** Lets other machines in (with this token); without it only this machine sees the dashboard. */
  adminToken?: string
  /** The built dashboard; read from dist/renderer when omitted. */
  files?: Map<string, DashboardFile>
  /** The feed its monitoring socket carries, when its owner shares it with other transports; else one of its own. */
  monitor?: MonitorPublisher
}

/** The bundle loads only from the relay itself; React sets styles through the CSSOM, which CSP allows. */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' }
const MAX_SIGN_IN_BYTES = 4096

/**
 * The dashboard on the relay's own port: the page at `/` (replacing the engine's plain landing
 * page), its bundled assets under DASHBOARD_PREFIX, the admin sign-in and the monitoring socket.
 * Visitors without access get a public page with counts and no ids.
 */
export class DashboardExtension implements RelayExtension {
  readonly monitor: MonitorPublisher
  private readonly monitorSocket: MonitorSocketTransport
  private readonly access: AdminAccess
  private readonly files: Map<string, DashboardFile> | undefined
  /** Monitoring sockets let in by the admin token, not by being on this machine. */
  private readonly remoteViewers = new Set<Duplex>()

  constructor(
    private readonly relay: RelayServer,
    options: DashboardOptions = {},
  ) {
    this.access = new AdminAccess(options.adminToken)
    this.files = options.files ?? loadDashboardFiles()
    this.monitor = options.monitor ?? new MonitorPublisher(relay)
    this.monitorSocket = new MonitorSocketTransport(this.monitor)
  }

  /** False when `npm run build:dashboard` has not run; the relay then serves the public page only. */
  get built(): boolean {
    return this.files !== undefined
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0]!
    if (path === SIGN_IN_PATH) {
      this.signIn(req, res)
      return true
    }
    const isPage = path === '/' || path === '/index.html'
    if (!isPage && !path.startsWith(DASHBOARD_PREFIX)) return false
    // The relay answers other methods with 405.
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    if (isPage) this.servePage(req, res)
    else this.serveAsset(path, req, res)
    return true
  }

  /** Takes effect at the next request; dashboards watching with the old token are cut off. */
  setAdminToken(adminToken: string | undefined): void {
    // Any other setting reaches here too; only a new token ends what the old one let in.
    if (!this.access.setToken(adminToken)) return
    for (const socket of this.remoteViewers) socket.destroy()
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if ((req.url ?? '').split('?')[0] !== MONITOR_PATH) return false
    if (this.access.allowsUpgrade(req)) {
      if (!this.access.isLocal(req)) {
        this.remoteViewers.add(socket)
        socket.once('close', () => this.remoteViewers.delete(socket))
      }
      this.monitorSocket.handleUpgrade(req, socket, head)
    } else {
      refuseHttp(socket, 403, 'the monitoring feed answers this machine, or the admin token\n')
    }
    return true
  }

  close(): Promise<void> {
    return this.monitorSocket.close()
  }

  private servePage(req: IncomingMessage, res: ServerResponse, problem?: string, status = 200): void {
    const index = this.files?.get('/')
    if (this.access.allows(req) && index) {
      res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': index.contentType, 'Content-Security-Policy': DASHBOARD_CSP, 'Cache-Control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : index.body)
      return
    }
    const html = publicPage({
      visit: visitOf(req, this.relay.tls !== undefined),
      port: this.relay.listening?.port,
      health: this.relay.health(),
      tokenConfigured: this.access.tokenConfigured,
      problem: problem ?? (this.access.allows(req) ? 'The dashboard has not been built: run npm run build:dashboard.' : undefined),
    })
    res.writeHead(status, {
      ...COMMON_HEADERS,
      // Lets the browser name this page as the Origin of its sign-in form; under no-referrer it sends "null".
      'Referrer-Policy': 'same-origin',
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': LANDING_PAGE_CSP,
      'Cache-Control': 'no-store',
    })
    res.end(req.method === 'HEAD' ? undefined : html)
  }

  private serveAsset(path: string, req: IncomingMessage, res: ServerResponse): void {
    // Assets hold code only, never relay data, so they need no access check.
    const file = this.files?.get(path)
    if (!file) {
      res.writeHead(404, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n')
      return
    }
    const cacheControl = file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': file.contentType, 'Content-Length': file.body.length, 'Cache-Control': cacheControl })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  }

  /** A browser on another machine posts the admin token once and keeps a session cookie. */
  private signIn(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      res.writeHead(405, { ...COMMON_HEADERS, Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n')
      return
    }
    // Another site's form must not spend this address's attempts (each failure makes it wait).
    if (!isSameOrigin(req)) {
      res.writeHead(403, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('sign in from the relay\'s own page\n')
      return
    }
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
      if (body.length > MAX_SIGN_IN_BYTES) req.destroy()
    })
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? ''
      const result = this.access.signIn(req.socket.remoteAddress, token, arrivedOverTls(req))
      if (result.ok) {
        res.writeHead(303, { ...COMMON_HEADERS, Location: '/', 'Set-Cookie': result.cookie, 'Cache-Control': 'no-store' }).end()
        return
      }
      const problem = this.access.tokenConfigured
        ? `That is not the admin token. Try again in ${result.retryAfterSeconds} s.`
        : 'This relay has no admin token, so its dashboard opens only on its own machine.'
      res.setHeader('Retry-After', String(result.retryAfterSeconds))
      this.servePage(req, res, problem, 403)
    })
  }
}
