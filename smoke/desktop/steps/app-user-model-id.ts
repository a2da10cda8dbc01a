import { readFileSync } from 'node:fs'
import path from 'node:path'
import { loadBuilderConfig } from '../../../scripts/builder-config.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'

/**
 * Issue 16 item 6, Windows only: the installed app's taskbar id is the installer's appId, so
 * Windows groups and pins it under the Start-menu shortcut's id. Electron has no getter for it;
 * the app logs the id once setAppUserModelId returned. Expected: that line, with the appId of
 * electron-builder.yml.
 */
export const appUserModelId: SmokeStep = {
  name: 'Windows: the app\'s AppUserModelId is electron-builder\'s appId',
  async run(context) {
    const app = runningApp(context)
    const { appId } = await loadBuilderConfig()
    const logs = await app.electron.evaluate(({ app: electronApp }) => electronApp.getPath('logs'))
    const log = readFileSync(path.join(logs, 'switchboard.log'), 'utf8')
    if (!log.includes(`Windows taskbar id (AppUserModelId) ${appId}`)) throw new Error(`the log does not name the taskbar id ${appId}:\n${log.slice(-2_000)}`)
  },
}
