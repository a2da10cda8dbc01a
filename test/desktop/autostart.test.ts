/** Start at login on each OS: Electron's login items on macOS and Windows, an XDG autostart entry on Linux. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { Autostart, HIDDEN_ARG, launchCommand, type AutostartOptions } from '../../src-main/desktop/start-at-login/autostart.js'
import { autostartEntry, execArgument, xdgAutostartDir } from '../../src-main/desktop/start-at-login/xdg-autostart.js'

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'switchboard-autostart-'))

function loginItems() {
  const calls: unknown[] = []
  let state = { openAtLogin: false, wasOpenedAtLogin: false }
  return {
    calls,
    opened: (wasOpenedAtLogin: boolean) => (state = { ...state, wasOpenedAtLogin }),
    api: {
      getLoginItemSettings: (query?: unknown) => {
        calls.push(['get', query])
        return state
      },
      setLoginItemSettings: (settings: { openAtLogin?: boolean }) => {
        calls.push(['set', settings])
        state = { ...state, openAtLogin: settings.openAtLogin ?? false }
      },
    } as unknown as AutostartOptions['loginItems'],
  }
}

describe('start at login', () => {
  test('Linux: an XDG autostart entry that starts the app hidden; removed again when turned off', () => {
    const directory = tempDir()
    const autostart = new Autostart({ platform: 'linux', loginItems: loginItems().api, xdg: { directory, command: ['/opt/Switchboard/switchboard'] } })
    expect(autostart.enabled).toBe(false)
    autostart.enabled = true
    const file = path.join(directory, 'switchboard.desktop')
    expect(readFileSync(file, 'utf8')).toBe(
      ['[Desktop Entry]', 'Type=Application', 'Name=Switchboard', 'Comment=LAN relay for local-first apps', 'Exec=/opt/Switchboard/switchboard --hidden', 'Terminal=false', 'X-GNOME-Autostart-enabled=true', ''].join('\n'),
    )
    expect(autostart.enabled).toBe(true)
    autostart.enabled = false
    expect(existsSync(file)).toBe(false)
    expect(autostart.enabled).toBe(false)
    // Turning off what is already off is fine.
    autostart.enabled = false
  })

  test('the entry goes in $XDG_CONFIG_HOME/autostart, else ~/.config/autostart', () => {
    expect(xdgAutostartDir({ XDG_CONFIG_HOME: '/home/ada/.cfg' })).toBe('/home/ada/.cfg/autostart')
    expect(xdgAutostartDir({})).toMatch(/\.config[/\\]autostart$/)
  })

  test('Exec arguments are quoted and escaped as the Desktop Entry spec says', () => {
    expect(execArgument('/usr/bin/switchboard')).toBe('/usr/bin/switchboard')
    expect(execArgument('/home/ada/My Apps/Switchboard.AppImage')).toBe('"/home/ada/My Apps/Switchboard.AppImage"')
    // Inside quotes: \" \` \$ \\ ; then every backslash doubled once more for the string value.
    expect(execArgument('/tmp/a"b$c`d\\e')).toBe('"/tmp/a\\\\"b\\\\$c\\\\`d\\\\\\\\e"')
    expect(execArgument('100%')).toBe('100%%')
    expect(autostartEntry(['/a b/electron', '/repo'])).toContain('Exec="/a b/electron" /repo')
  })

  test('Windows: a login item matched by its --hidden argument', () => {
    const items = loginItems()
    const autostart = new Autostart({ platform: 'win32', loginItems: items.api, xdg: { directory: tempDir(), command: ['x'] } })
    autostart.enabled = true
    expect(autostart.enabled).toBe(true)
    expect(items.calls).toEqual([
      ['set', { openAtLogin: true, args: [HIDDEN_ARG] }],
      ['get', { args: [HIDDEN_ARG] }],
    ])
    expect(autostart.launchedAtLogin(['Switchboard.exe', HIDDEN_ARG])).toBe(true)
    expect(autostart.launchedAtLogin(['Switchboard.exe'])).toBe(false)
  })

  test('macOS: a login item; a launch at login is recognised by wasOpenedAtLogin', () => {
    const items = loginItems()
    const autostart = new Autostart({ platform: 'darwin', loginItems: items.api, xdg: { directory: tempDir(), command: ['x'] } })
    autostart.enabled = true
    expect(items.calls[0]).toEqual(['set', { openAtLogin: true }])
    expect(autostart.launchedAtLogin(['Switchboard'])).toBe(false)
    items.opened(true)
    expect(autostart.launchedAtLogin(['Switchboard'])).toBe(true)
  })

  test('the command that starts the app: the AppImage, the packaged binary, or Electron with the app folder', () => {
    expect(launchCommand({ execPath: '/tmp/.mount_x/switchboard', appPath: '/tmp/.mount_x/resources/app.asar', isPackaged: true, appImage: '/home/ada/Switchboard.AppImage' })).toEqual(['/home/ada/Switchboard.AppImage'])
    expect(launchCommand({ execPath: '/opt/Switchboard/switchboard', appPath: '/opt/Switchboard/resources/app.asar', isPackaged: true, appImage: undefined })).toEqual(['/opt/Switchboard/switchboard'])
    expect(launchCommand({ execPath: '/repo/node_modules/electron/dist/electron', appPath: '/repo', isPackaged: false, appImage: undefined })).toEqual(['/repo/node_modules/electron/dist/electron', '/repo'])
  })
})
