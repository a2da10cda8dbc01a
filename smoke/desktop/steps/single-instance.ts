import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { runningApp, type SmokeStep } from '../smoke-step.js'

export const singleInstance: SmokeStep = {
  name: 'a second launch brings the running app\'s window forward and ends, instead of starting another app',
  async run(context) {
    const app = runningApp(context)
    await app.window()
    // Hidden first, so the window coming back can only be the second launch's doing. The promise
    // is wrapped: a handle to a bare promise would be awaited at once.
    // The dashboard windows: on Windows a hidden one without a page listens for log-off and shutdown.
    const watch = await app.electron.evaluateHandle(({ BrowserWindow }) => {
      const [window, ...others] = BrowserWindow.getAllWindows().filter(candidate => candidate.webContents.getURL().startsWith('app:'))
      if (!window || others.length > 0) throw new Error(`${BrowserWindow.getAllWindows().length} windows before the second launch`)
      window.hide()
      return { shown: new Promise<void>(resolve => window.once('show', () => resolve())) }
    })
    const second = spawn(context.executable, context.profile.args, { env: context.profile.env, stdio: 'ignore' })
    const [code, signal] = (await once(second, 'exit')) as [number | null, NodeJS.Signals | null]
    if (code !== 0) throw new Error(`the second launch ended with ${signal ?? `exit code ${code}`}`)
    await watch.evaluate(({ shown }) => shown)
    const windows = await app.electron.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows()
        .filter(window => window.webContents.getURL().startsWith('app:'))
        .map(window => window.isVisible()),
    )
    if (windows.length !== 1 || !windows[0]) throw new Error(`after the second launch: windows visible ${JSON.stringify(windows)}`)
  },
}
