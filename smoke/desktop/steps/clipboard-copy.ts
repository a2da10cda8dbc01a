import { runningApp, type SmokeStep } from '../smoke-step.js'

/**
 * Issue 16 item 1: the dashboard's Copy buttons use navigator.clipboard.writeText, which needs the
 * clipboard-sanitized-write permission; the app grants it to its own page only. Expected: the
 * write resolves and the system clipboard then holds the text.
 */
export const clipboardCopy: SmokeStep = {
  name: 'Copy in the window writes to the system clipboard (clipboard-sanitized-write granted to the app\'s page)',
  async run(context) {
    const app = runningApp(context)
    const page = await app.window()
    const text = `switchboard-smoke-${Date.now()}`
    await app.electron.evaluate(({ BrowserWindow }) => {
      // Chromium lets only a focused document write to the clipboard.
      const window = BrowserWindow.getAllWindows().find(candidate => candidate.webContents.getURL().startsWith('app:'))
      window?.show()
      window?.focus()
    })
    const refused = await page.evaluate(async value => {
      try {
        await navigator.clipboard.writeText(value)
        return undefined
      } catch (error) {
        return String(error)
      }
    }, text)
    if (refused) throw new Error(`navigator.clipboard.writeText was refused: ${refused}`)
    const held = await app.electron.evaluate(({ clipboard }) => clipboard.readText())
    if (held !== text) throw new Error(`the clipboard holds ${JSON.stringify(held)}, not ${JSON.stringify(text)}`)
  },
}
