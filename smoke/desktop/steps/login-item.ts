import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { AppShellState, DesktopSettings } from '../../../shared/ipc-schema.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'

/**
 * Issue 16 item 7: start at login is read back from the OS after each change. Expected: turned on
 * from the window, the OS reports it on (macOS 13+, for an unsigned app: `requires-approval`, which
 * the Settings tab names), and the setting stays on; on Linux the XDG entry starts this binary
 * hidden; turned off, the OS reports it off. The step leaves it off.
 */
export const loginItemReadBack: SmokeStep = {
  name: 'start at login, toggled in the window, is what the OS reports back (macOS may say requires-approval)',
  async run(context) {
    const page = await runningApp(context).window()
    const toggle = (startAtLogin: boolean) =>
      page.evaluate(async on => {
        const settings: DesktopSettings = await window.switchboardDesktop!.updateSettings({ startAtLogin: on })
        const shell: AppShellState = await window.switchboardDesktop!.getShell()
        return { setting: settings.startAtLogin, loginItem: shell.loginItem }
      }, startAtLogin)

    const on = await toggle(true)
    const accepted = process.platform === 'darwin' ? ['on', 'requires-approval'] : ['on']
    if (!on.setting || !accepted.includes(on.loginItem)) throw new Error(`turned on: setting ${on.setting}, the OS reports ${on.loginItem}`)
    console.log(`  # the OS reports the login item as ${on.loginItem}`)
    if (process.platform === 'linux') {
      const entry = readFileSync(path.join(context.profile.env.XDG_CONFIG_HOME!, 'autostart', 'switchboard.desktop'), 'utf8')
      const exec = entry.split('\n').find(line => line.startsWith('Exec='))
      if (!exec?.includes(path.basename(context.executable)) || !exec.endsWith(' --hidden')) throw new Error(`the autostart entry does not start this app hidden:\n${entry}`)
    }
    const off = await toggle(false)
    if (off.setting || off.loginItem !== 'off') throw new Error(`turned off: setting ${off.setting}, the OS reports ${off.loginItem}`)
  },
}
