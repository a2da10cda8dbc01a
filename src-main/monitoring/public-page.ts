import { createHash } from 'node:crypto'
import type { RelayHealth } from '../../shared/relay-model.js'
import { SIGN_IN_PATH } from '../../shared/monitoring.js'

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }
  code { font-size: 1.1em; padding: .1em .3em; border-radius: .2em; background: rgba(127,127,127,.15); }
  form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
  input, button { font: inherit; padding: .3em .6em; }
  .problem { color: #b3261e; }
  @media (prefers-color-scheme: dark) { .problem { color: #f2b8b5; } }
`
/** The page's one inline style, allowed by its hash: the CSP still forbids everything else. */
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64')

export const PUBLIC_PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`

export interface PublicPageInput {
  /** The request's Host header, to show the address this visitor already reaches the relay on. */
  host: string | undefined
  port: number | undefined
  health: RelayHealth
  tokenConfigured: boolean
  /** Why the last sign-in failed, if it did. */
  problem?: string
}

/**
 * What a visitor without admin access sees at `/`: that the relay runs and how apps connect. It
 * names no peer and no document; those are for this machine and for holders of the admin token.
 */
export function publicPage({ host, port, health, tokenConfigured, problem }: PublicPageInput): string {
  const wsUrl = host && /^[\w.\-:[\]]+$/.test(host) ? `ws://${host}` : 'ws://<this host>:<port>'
  const { peers, pipesLive } = health.counts
  const access = tokenConfigured
    ? `<form method="post" action="${SIGN_IN_PATH}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Open the dashboard</button>
</form>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}`
    : `<p>The dashboard opens on the relay's own machine, at <code>http://localhost:${port ?? '<port>'}/</code>. To open it from other devices, start the relay with an admin token (<code>--admin-token</code> or <code>SWITCHBOARD_ADMIN_TOKEN</code>).</p>`
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
<p>${peers} peer${peers === 1 ? '' : 's'} connected, ${pipesLive} live pipe${pipesLive === 1 ? '' : 's'}. Version ${escapeHtml(health.version)}, protocol ${escapeHtml(health.protocol)}.</p>
<h2>Dashboard</h2>
${access}
</body>
</html>
`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}
