import { APP_URL } from '../../../src-main/desktop/window/app-protocol.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'

export const dashboardLoads: SmokeStep = {
  name: `the window shows the dashboard from ${APP_URL}, live, with no console or CSP errors`,
  async run(context) {
    const app = runningApp(context)
    const page = await app.window()
    // The window may still be on about:blank when it is first seen.
    await page.waitForURL(url => url.href.startsWith(APP_URL), { timeout: 30_000 })
    // "Running" comes from the relay's monitoring feed through the preload bridge: the page, its
    // scripts and the IPC all work. The Settings tab exists only with the desktop bridge.
    await page.getByRole('banner').getByText('Running').waitFor({ timeout: 30_000 })
    await page.getByRole('tab', { name: 'Settings' }).waitFor()
    if (app.problems.length > 0) throw new Error(`the window reported:\n${app.problems.map(p => `${p.kind} at ${p.url}: ${p.text}`).join('\n')}`)
  },
}
