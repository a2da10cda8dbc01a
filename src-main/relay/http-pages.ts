import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CA_CERT_PATH, type RelayHealth } from '../../shared/relay-model.js'

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }
  code { font-size: 1.1em; padding: .1em .3em; border-radius: .2em; background: rgba(127,127,127,.15); }
  form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
  input, button { font: inherit; padding: .3em .6em; }
  .problem { color: #b3261e; }
  .worked { color: #1b6e2d; font-weight: 600; }
  @media (prefers-color-scheme: dark) { .problem { color: #f2b8b5; } .worked { color: #8fd19e; } }
`
/** The page's one inline style, allowed by its hash: the CSP forbids everything else. */
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64')

/** Nothing on the landing page is fetched from anywhere; a form on it may post only to the relay. */
export const LANDING_PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': LANDING_PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
}

/** How a visitor reached the page, which decides what it tells them about TLS. */
export interface Visit {
  /** The request's Host header: the address this visitor already reaches the relay on. */
  host: string | undefined
  /** Whether this request came over TLS (https). */
  secure: boolean
  /** Whether the relay serves TLS at all. */
  tlsOn: boolean
}

/** Whether a request came over TLS (the relay hands TLS sockets to its one HTTP server). */
export const arrivedOverTls = (req: IncomingMessage) => 'encrypted' in req.socket && req.socket.encrypted === true

export function visitOf(req: IncomingMessage, tlsOn: boolean): Visit {
  return { host: req.headers.host, secure: arrivedOverTls(req), tlsOn }
}

export function serveHttp(req: IncomingMessage, res: ServerResponse, health: () => RelayHealth, tlsOn: boolean): void {
  const path = (req.url ?? '/').split('?')[0]
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n')
    return
  }
  if (path === '/health') {
    const body = JSON.stringify(health())
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body)
    return
  }
  if (path === '/' || path === '/index.html') {
    res.writeHead(200, PAGE_HEADERS).end(req.method === 'HEAD' ? undefined : landingPage(visitOf(req, tlsOn), health()))
    return
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n')
}

/**
 * The page anyone may see: that the relay runs and how apps connect, with counts but no ids.
 * `section` is trusted HTML appended by whoever serves the page (the dashboard's sign-in form).
 */
export function landingPage(visit: Visit, health: RelayHealth, section = ''): string {
  const host = visit.host && /^[\w.\-:[\]]+$/.test(visit.host) ? visit.host : undefined
  const wsUrl = `${visit.secure ? 'wss' : 'ws'}://${host ?? '<this host>:<port>'}`
  const { peers, pipesLive } = health.counts
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard relay</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Switchboard relay is running</h1>
<p>Local-first apps built on <code>@localfirst/relay</code> connect with the relay URL</p>
<p><code>${escapeHtml(wsUrl)}</code></p>
${tlsSection(visit, host)}
<p>${peers} peer${peers === 1 ? '' : 's'} connected, ${pipesLive} live pipe${pipesLive === 1 ? '' : 's'}. Version ${escapeHtml(health.version)}, protocol ${escapeHtml(health.protocol)}.</p>
${section}
</body>
</html>
`
}

/**
 * Whether this browser can use wss://: seeing this page over https without a warning proves it
 * trusts the relay's certificate (installed CA, or a warning accepted once), which is all a web
 * app in the same browser needs.
 */
function tlsSection(visit: Visit, host: string | undefined): string {
  if (visit.secure) {
    return `<p class="worked" role="status">It worked: this browser reached the relay over https, so it trusts the relay's certificate. Web apps open in this browser can connect to <code>wss://${escapeHtml(host ?? '<this host>:<port>')}</code>.</p>`
  }
  // No bare "scheme://" in the text: every URL on the page is one this visitor can open.
  if (!visit.tlsOn) return '<p>TLS is off on this relay, so web apps served over https cannot use it.</p>'
  const https = host ? `https://${host}/` : undefined
  return `<p>Web apps served over https need the relay's TLS address (wss). To check that this browser trusts the relay, open ${https ? `<a href="${escapeHtml(https)}">${escapeHtml(https)}</a>` : 'this page over https'}: without a warning, it does. If not, install the relay's <a href="${CA_CERT_PATH}">certificate authority</a> on this device, or accept the warning there once.</p>`
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
