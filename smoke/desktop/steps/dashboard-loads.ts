import { APP_URL } from '../../../src-main/desktop/window/app-protocol.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'

export const dashboardLoads: SmokeStep = {
  name: `the window shows the dashboard from ${APP_URL}, live, with no console or CSP errors`,
  async run(context) {
    const app = runningApp(context)
    const window = await app.window()
    if (!window.url().startsWith(APP_URL)) throw new Error(`the window shows ${window.url()}`)
    // "Running" comes from the relay's monitoring feed through the preload bridge: the page, its
    // scripts and the IPC all work. The Settings tab exists only with the desktop bridge.
    await window.getByRole('banner').getByText('Running').waitFor({ timeout: 30_000 })
    await window.getByRole('tab', { name: 'Settings' }).waitFor()
    if (app.problems.length > 0) throw new Error(`the window reported:\n${app.problems.map(p => `${p.kind} at ${p.url}: ${p.text}`).join('\n')}`)
  },
}
