/**
 * The window's page comes from `app://switchboard/`, a custom scheme served from the built
 * dashboard in memory: no file:// (whose pages get extra privileges) and no http:// (which anything
 * else on the machine could answer once the relay's port is free). It is therefore also the one
 * origin IPC messages are accepted from.
 */
import type { CustomScheme } from 'electron'
import type { DashboardFile } from '../../monitoring/dashboard-files.js'

export const APP_SCHEME = 'app'
export const APP_HOST = 'switchboard'
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/`

/**
 * Standard and secure, so the page gets a real origin, ES modules and a secure context. Not
 * `corsEnabled`: nothing from another origin may read the app's files.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = { scheme: APP_SCHEME, privileges: { standard: true, secure: true } }

/**
 * The window loads only its own bundle and talks to the relay only through the preload bridge, so
 * it needs no network at all. React sets styles through the CSSOM, which `style-src 'self'` allows.
 */
export const WINDOW_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'none'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** Whether a URL is a page of the app itself (the protocol handler and the IPC sender check both ask). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST
  } catch {
    return false
  }
}

const COMMON_HEADERS = { 'Content-Security-Policy': WINDOW_CSP, 'X-Content-Type-Options': 'nosniff' }

/** The handler for protocol.handle(APP_SCHEME): the built dashboard's files, nothing else. */
export function appRequestHandler(files: Map<string, DashboardFile> | undefined): (request: Request) => Response {
  return request => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed')
    if (!isAppUrl(request.url)) return plain(404, 'not found')
    if (!files) return plain(503, 'The dashboard has not been built: run npm run build:dashboard.')
    const { pathname } = new URL(request.url)
    const file = files.get(pathname === '/index.html' ? '/' : pathname)
    if (!file) return plain(404, 'not found')
    const body = request.method === 'HEAD' ? null : new Uint8Array(file.body)
    return new Response(body, { status: 200, headers: { ...COMMON_HEADERS, 'Content-Type': file.contentType } })
  }
}

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, { status, headers: { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } })
}
