import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RelayHealth } from '../../shared/relay-model.js'

/** Nothing on these pages is fetched from anywhere: the CSP forbids it and the HTML needs none. */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
}

export function serveHttp(req: IncomingMessage, res: ServerResponse, health: () => RelayHealth): void {
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
    res.writeHead(200, PAGE_HEADERS).end(req.method === 'HEAD' ? undefined : landingPage(req.headers.host, health()))
    return
  }
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n')
}

function landingPage(hostHeader: string | undefined, health: RelayHealth): string {
  const wsUrl = hostHeader && /^[\w.\-:[\]]+$/.test(hostHeader) ? `ws://${hostHeader}` : 'ws://<this host>:<port>'
  const { peers, pipesLive } = health.counts
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard relay</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }
  code { font-size: 1.1em; padding: .1em .3em; border-radius: .2em; background: rgba(127,127,127,.15); }
</style>
</head>
<body>
<h1>Switchboard relay is running</h1>
<p>Local-first apps built on <code>@localfirst/relay</code> connect with the relay URL</p>
<p><code>${escapeHtml(wsUrl)}</code></p>
<p>${peers} peer${peers === 1 ? '' : 's'} connected, ${pipesLive} live pipe${pipesLive === 1 ? '' : 's'}. Version ${escapeHtml(health.version)}, protocol ${escapeHtml(health.protocol)}.</p>
<p>Machine-readable status: <a href="/health">/health</a>.</p>
</body>
</html>
`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
