import type { RelayHealth } from '../../shared/relay-model.js'
import { SIGN_IN_PATH } from '../../shared/monitoring.js'
import { escapeHtml, landingPage, type Visit } from '../relay/http-pages.js'

export interface PublicPageInput {
  visit: Visit
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
export function publicPage({ visit, port, health, tokenConfigured, problem }: PublicPageInput): string {
  const access = tokenConfigured
    ? `<form method="post" action="${SIGN_IN_PATH}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Open the dashboard</button>
</form>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}`
    : `<p>The dashboard opens on the relay's own machine, at <code>http://localhost:${port ?? '<port>'}/</code>. To open it from other devices, give the relay an admin token (<code>--admin-token</code> or <code>SWITCHBOARD_ADMIN_TOKEN</code> for the headless relay; Settings → Dashboard access in the app).</p>`
  return landingPage(visit, health, `<h2>Dashboard</h2>\n${access}`)
}
