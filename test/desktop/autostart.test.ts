/** Start at login on each OS: Electron's login items on macOS and Windows, an XDG autostart entry on Linux. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, test } from 'vitest'
import { Autostart, HIDDEN_ARG, launchCommand } from '../../src-main/desktop/start-at-login/autostart.js'
import { app, resetFakeElectron } from './fake-electron.js'
import { autostartEntry, execArgument, xdgAutostartDir } from '../../src-main/desktop/start-at-login/xdg-autostart.js'

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'switchboard-autostart-'))

beforeEach(() => resetFakeElectron())

describe('start at login', () => {
  test('Linux: an XDG autostart entry that starts the app hidden; removed again when turned off', () => {
    const directory = tempDir()
    const autostart = new Autostart({ platform: 'linux', loginItems: app, command: ['/opt/Switchboard/switchboard'], xdgDirectory: directory })
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

  test('Windows, installed: a login item for the app with --hidden; read back as the OS has it (Task Manager can turn it off)', () => {
    const autostart = new Autostart({ platform: 'win32', loginItems: app, command: ['C:\\Switchboard\\Switchboard.exe'], xdgDirectory: tempDir() })
    autostart.enabled = true
    expect(app.loginItem).toMatchObject({ openAtLogin: true, path: 'C:\\Switchboard\\Switchboard.exe', args: [HIDDEN_ARG] })
    expect(autostart.state).toBe('on')
    app.loginItem.deactivatedInTaskManager = true
    expect(autostart.state).toBe('off')
    expect(autostart.launchedAtLogin(['Switchboard.exe', HIDDEN_ARG])).toBe(true)
    expect(autostart.launchedAtLogin(['Switchboard.exe'])).toBe(false)
  })

  test('Windows, development: the login item runs Electron with the app folder, or it would open Electron\'s default app', () => {
    const command = launchCommand({ execPath: 'C:\\repo\\node_modules\\electron\\dist\\electron.exe', appPath: 'C:\\repo', isPackaged: false, appImage: undefined, appDir: undefined })
    const autostart = new Autostart({ platform: 'win32', loginItems: app, command, xdgDirectory: tempDir() })
    autostart.enabled = true
    expect(app.loginItem).toMatchObject({ path: 'C:\\repo\\node_modules\\electron\\dist\\electron.exe', args: ['C:\\repo', HIDDEN_ARG] })
    expect(autostart.state).toBe('on')
    autostart.enabled = false
    expect(autostart.state).toBe('off')
  })

  test('macOS: a login item; one waiting for approval (macOS 13+, unsigned app) reads as such, still wanted; a launch at login is recognised by wasOpenedAtLogin', () => {
    const autostart = new Autostart({ platform: 'darwin', loginItems: app, command: ['/Applications/Switchboard.app/Contents/MacOS/Switchboard'], xdgDirectory: tempDir() })
    autostart.enabled = true
    expect(autostart.state).toBe('on')
    autostart.enabled = false
    app.loginItem.needsApproval = true
    autostart.enabled = true
    expect(app.getLoginItemSettings().openAtLogin).toBe(false)
    expect(autostart.state).toBe('requires-approval')
    expect(autostart.enabled).toBe(true)
    expect(autostart.launchedAtLogin(['Switchboard'])).toBe(false)
    app.loginItem.wasOpenedAtLogin = true
    expect(autostart.launchedAtLogin(['Switchboard'])).toBe(true)
  })

  test('the command that starts the app: the AppImage only when running from inside it, the packaged binary, or Electron with the app folder', () => {
    // A deb-installed copy started from a program inside an AppImage inherits APPIMAGE and APPDIR.
    expect(launchCommand({ execPath: '/opt/Switchboard/switchboard', appPath: '/opt/Switchboard/resources/app.asar', isPackaged: true, appImage: '/home/ada/Other.AppImage', appDir: '/tmp/.mount_other' })).toEqual(['/opt/Switchboard/switchboard'])
    expect(launchCommand({ execPath: '/tmp/.mount_x/switchboard', appPath: '/tmp/.mount_x/resources/app.asar', isPackaged: true, appImage: '/home/ada/Switchboard.AppImage', appDir: undefined })).toEqual(['/tmp/.mount_x/switchboard'])
    expect(launchCommand({ execPath: '/tmp/.mount_xy/switchboard', appPath: '/tmp/.mount_xy/resources/app.asar', isPackaged: true, appImage: '/home/ada/Switchboard.AppImage', appDir: '/tmp/.mount_x' })).toEqual(['/tmp/.mount_xy/switchboard'])
    expect(launchCommand({ execPath: '/tmp/.mount_x/switchboard', appPath: '/tmp/.mount_x/resources/app.asar', isPackaged: true, appImage: '/home/ada/Switchboard.AppImage', appDir: '/tmp/.mount_x' })).toEqual(['/home/ada/Switchboard.AppImage'])
    expect(launchCommand({ execPath: '/opt/Switchboard/switchboard', appPath: '/opt/Switchboard/resources/app.asar', isPackaged: true, appImage: undefined, appDir: undefined })).toEqual(['/opt/Switchboard/switchboard'])
    expect(launchCommand({ execPath: '/repo/node_modules/electron/dist/electron', appPath: '/repo', isPackaged: false, appImage: undefined, appDir: undefined })).toEqual(['/repo/node_modules/electron/dist/electron', '/repo'])
  })
})
