import type { AppShellState } from '../../../shared/ipc-schema.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'

/**
 * Issue 16 item 2, Linux only: under Xvfb with no StatusNotifierItem host on the session bus (as on
 * stock GNOME) the app knows it has no tray. Expected: the window says it is the app and has a
 * Quit button; closing it minimises it and the app keeps running; it comes back restored.
 */
export const noTrayWindow: SmokeStep = {
  name: 'Linux without a tray host: the window says it is the app, has its own Quit, and closing it minimises it',
  async run(context) {
    const app = runningApp(context)
    const page = await app.window()
    const shell: AppShellState = await page.evaluate(() => window.switchboardDesktop!.getShell())
    if (shell.tray) throw new Error('the app found a StatusNotifierItem host (org.kde.StatusNotifierWatcher) on the session bus; run this step in a session without one')
    await page.getByRole('note').filter({ hasText: 'this window is Switchboard' }).waitFor({ timeout: 10_000 })
    await page.getByRole('button', { name: 'Quit Switchboard' }).waitFor({ timeout: 10_000 })
    const closed = await app.electron.evaluate(({ BrowserWindow }) => {
      const window = BrowserWindow.getAllWindows().find(candidate => candidate.webContents.getURL().startsWith('app:'))!
      const minimized = new Promise<void>(resolve => window.once('minimize', () => resolve()))
      window.close()
      // Window managers differ in whether they report the minimise at all; a closed window is the failure.
      return Promise.race([minimized.then(() => 'minimized'), new Promise(resolve => setTimeout(() => resolve(window.isDestroyed() ? 'destroyed' : 'open'), 5_000))])
    })
    const state = await app.electron.evaluate(({ BrowserWindow }) => {
      const window = BrowserWindow.getAllWindows().find(candidate => candidate.webContents.getURL().startsWith('app:'))
      if (!window) return 'gone'
      window.restore()
      window.show()
      return window.isVisible() ? 'visible' : 'hidden'
    })
    if (closed === 'destroyed' || state === 'gone') throw new Error('closing the window closed it: with no tray the app would be unreachable')
    if (state !== 'visible') throw new Error(`the window did not come back after closing (${closed}, then ${state})`)
  },
}
