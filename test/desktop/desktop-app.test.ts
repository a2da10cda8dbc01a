/**
 * The whole desktop app, wired to a fake Electron (test/desktop/fake-electron.ts) and the real
 * relay on loopback: start-up, single instance, tray, window, IPC from the page, settings applied
 * live, and a quit that waits for the relay to close.
 */
import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import type { DesktopSettings, RelayStatus, SettingsPatch } from '../../shared/ipc-schema.js'
import type { MonitorServerMessage } from '../../shared/monitoring.js'
import type { RelayNodeOptions } from '../../shared/relay-node-options.js'
import type { RelaySnapshot } from '../../shared/relay-model.js'
import { MonitorClient } from '../dashboard/monitor-client.js'
import { LIVE_CHANGES } from '../helpers/live-settings.js'
import { closeServer, fetchHealth, freePort, listenOn } from '../helpers/processes.js'
import { SequencedLoad } from '../helpers/sequenced-load.js'
import { RecordingDiscovery } from '../helpers/node.js'
import { SessionBus } from './session-bus.js'
import { loadBuilderConfig } from '../../scripts/builder-config.js'
import { RawPeer, eventually } from '../helpers/relay.js'
import { READY_ENV, READY_LINE } from '../../src-main/desktop/launch-outcome.js'
import { BrowserWindow, FakeWebContents, REPO_ROOT, Tray, app, appFrame, clipboard, ipcMain, powerMonitor, protocol, resetFakeElectron, session, shell, utilityProcess } from './fake-electron.js'

vi.mock('electron', () => import('./fake-electron.js'))

const { runDesktopApp } = await import('../../src-main/desktop/desktop-app.js')
type LaunchContext = Parameters<typeof runDesktopApp>[0] & {}

let home: string
let port: number
const signals = new EventEmitter()
/** The session bus: a desktop whose tray shows icons (a StatusNotifierItem host on the bus), unless a test takes it away. */
let bus: SessionBus
let noTrayBus: SessionBus

beforeAll(async () => {
  ;[bus, noTrayBus] = await Promise.all([SessionBus.start(), SessionBus.start()])
  await bus.startTrayHost()
})
afterAll(() => {
  bus.close()
  noTrayBus.close()
})

beforeEach(async () => {
  resetFakeElectron()
  signals.removeAllListeners()
  home = mkdtempSync(path.join(tmpdir(), 'switchboard-app-'))
  app.paths = { userData: path.join(home, 'userData'), logs: path.join(home, 'logs') }
  process.env.XDG_CONFIG_HOME = path.join(home, 'config')
  process.env.SWITCHBOARD_INSTANCE_ID_FILE = path.join(home, 'instance-id')
  process.env.DBUS_SESSION_BUS_ADDRESS = bus.address
  port = await freePort()
  writeSettings({ port, listenAddress: '127.0.0.1' })
})

afterEach(async () => {
  // However the test ended, the relay closes.
  if (Tray.instances.length > 0 && !app.quitted) {
    app.quit()
    await eventually(() => app.quitted, 10_000, 'the app to quit')
  }
  delete process.env.XDG_CONFIG_HOME
  delete process.env.SWITCHBOARD_INSTANCE_ID_FILE
})

function writeSettings(settings: Partial<DesktopSettings>): void {
  writeSettingsIn(app.paths.userData!, settings)
}

function writeSettingsIn(dir: string, settings: Partial<DesktopSettings>): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings))
}

const launch = (argv: string[] = ['electron', '.'], context: Partial<Pick<LaunchContext, 'platform' | 'relayHooks'>> = {}) =>
  runDesktopApp({ argv, signals: signals as unknown as NodeJS.Process, platform: 'linux', ...context })
const tray = () => Tray.instances[0]!
const window = () => BrowserWindow.instances.at(-1)!
const page = () => ({ frame: appFrame(), sender: window().webContents })
const log = () => readFileSync(path.join(app.paths.logs!, 'switchboard.log'), 'utf8')
const statuses = () => window().webContents.messages('relay:status-changed') as RelayStatus[]

/** A node option as the setting the window changes. */
const SETTING_OF: Record<keyof RelayNodeOptions, keyof DesktopSettings> = {
  host: 'listenAddress',
  port: 'port',
  limits: 'limits',
  accessToken: 'accessToken',
  allowPublic: 'allowPublic',
  adminToken: 'adminToken',
  name: 'relayName',
  priority: 'priority',
  advertise: 'advertise',
  interfaces: 'advertiseInterfaces',
  tls: 'tls',
  history: 'history',
}
// The settings say "none" with an empty string.
const settingsPatch = (change: Partial<RelayNodeOptions>): SettingsPatch =>
  Object.fromEntries(Object.entries(change).map(([name, value]) => [SETTING_OF[name as keyof RelayNodeOptions], value ?? '']))

/** The relay's model as the dashboard in a browser on this machine gets it. */
async function monitoredSnapshot(url: string): Promise<RelaySnapshot> {
  const monitor = new MonitorClient(url)
  try {
    await monitor.opened
    await eventually(() => monitor.messages.some(message => message.type === 'snapshot'), 5_000, 'a snapshot')
    return (monitor.messages.find(message => message.type === 'snapshot') as { snapshot: RelaySnapshot }).snapshot
  } finally {
    await monitor.close()
  }
}

describe('desktop app: start-up', () => {
  test('takes the single-instance lock, hides the dock icon, starts the relay, shows the tray and the window', async () => {
    await launch()
    expect(app.dock.hidden).toBe(true)
    expect(protocol.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }])
    expect((await fetchHealth(port)).status).toBe('ok')

    expect(tray().image).toEqual({ path: path.join(app.appPath, 'assets/tray/tray-idle.png') })
    expect(tray().tooltip).toBe('Switchboard: no devices')
    expect(tray().menu!.template[0]).toEqual({ label: `Running on port ${port}`, enabled: false })

    expect(BrowserWindow.instances).toHaveLength(1)
    expect(window().loadedUrl).toBe('app://switchboard/')
    expect(window().options).toMatchObject({
      show: false,
      webPreferences: { preload: path.join(app.appPath, 'dist/desktop/preload.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, devTools: true },
    })
    window().emit('ready-to-show')
    expect(window().visible).toBe(true)
    expect(log()).toMatch(/Switchboard \S+ starting\n(.*\n)*.*relay running: ws:\/\/127\.0\.0\.1:\d+\n/)
  })

  test('launched by npm start, it says on stderr once it is up (before that, npm start falls back on the headless relay)', async () => {
    process.env[READY_ENV] = '1'
    const written: string[] = []
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(chunk => (written.push(String(chunk)), true))
    try {
      await launch()
    } finally {
      write.mockRestore()
      delete process.env[READY_ENV]
    }
    expect(written).toEqual([`${READY_LINE}\n`])
    expect(Tray.instances).toHaveLength(1)
  })

  test('Windows, installed: the taskbar id is the installer\'s appId, and the tray icons are real files beside app.asar', async () => {
    const builderConfig = await loadBuilderConfig()
    app.isPackaged = true
    app.appPath = path.join(home, 'resources', 'app.asar')
    await launch(['Switchboard.exe'], { platform: 'win32' })
    expect(app.appUserModelId).toBe(builderConfig.appId)
    expect(log()).toContain(`Windows taskbar id (AppUserModelId) ${builderConfig.appId}`)
    // Whichever state the icon shows, it is an .ico file beside app.asar, not inside it.
    const icon = (tray().image as { path: string }).path
    expect([path.dirname(icon), path.extname(icon)]).toEqual([path.join(home, 'resources', 'app.asar.unpacked', 'assets', 'tray'), '.ico'])
  })

  test('no taskbar id in development or on other systems: no shortcut carries one there', async () => {
    await launch(['electron', '.'], { platform: 'win32' })
    expect(app.appUserModelId).toBeUndefined()
    expect(tray().image).toEqual({ path: path.join(REPO_ROOT, 'assets', 'tray', 'tray-idle.ico') })
  })

  test('serves the built dashboard on app://switchboard/ with the window\'s CSP', async () => {
    await launch()
    const response = await protocol.handlers.get('app')!(new Request('app://switchboard/'))
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('<div id="root">')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
  })

  test('--user-data-dir=<folder> keeps settings, logs and the single-instance lock in that folder', async () => {
    const folder = path.join(home, 'isolated')
    const isolatedPort = await freePort()
    writeSettingsIn(folder, { port: isolatedPort, listenAddress: '127.0.0.1' })
    await launch(['electron', '.', `--user-data-dir=${folder}`])
    expect(app.paths).toMatchObject({ userData: folder, logs: path.join(folder, 'logs') })
    expect(app.lockedUserData).toBe(folder)
    expect(tray().tooltip).toBe('Switchboard: no devices')
    expect((await fetchHealth(isolatedPort)).status).toBe('ok')
    expect(readFileSync(path.join(folder, 'logs', 'switchboard.log'), 'utf8')).toMatch(/starting/)
  })

  test('a second launch hands over to the running one and quits at once', async () => {
    app.holdsSingleInstanceLock = false
    await launch()
    expect(app.quitRequests).toBe(1)
    expect(Tray.instances).toHaveLength(0)
    expect(BrowserWindow.instances).toHaveLength(0)
  })

  test('a start at login (--hidden) stays in the tray; the tray opens the window', async () => {
    await launch(['electron', '.', '--hidden'])
    expect(BrowserWindow.instances).toHaveLength(0)
    tray().click('Open Dashboard')
    expect(BrowserWindow.instances).toHaveLength(1)
  })

  test('the running app brings its window forward on a second launch; closing the window keeps the app', async () => {
    await launch()
    app.emit('second-instance')
    expect(window().focusCount).toBe(1)
    window().close()
    app.emit('window-all-closed')
    expect(app.quitRequests).toBe(0)
    expect((await fetchHealth(port)).status).toBe('ok')
    // macOS: opening the app from Finder while it runs.
    app.emit('activate')
    expect(BrowserWindow.instances).toHaveLength(2)
    app.emit('second-instance')
    expect(BrowserWindow.instances).toHaveLength(2)
    expect(window().focusCount).toBe(1)
  })

  test('every web contents the app creates is guarded, and the session refuses remote content', async () => {
    await launch()
    const contents = new FakeWebContents()
    app.emit('web-contents-created', {}, contents)
    expect(contents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' })
    let cancelled: boolean | undefined
    session.defaultSession.beforeRequest!({ url: 'https://example.com/x.js' }, answer => (cancelled = answer.cancel))
    expect(cancelled).toBe(true)
  })

  test('the window\'s copy buttons may write to the clipboard; nothing else is granted to any page', async () => {
    await launch()
    const contents = window().webContents
    expect(await session.defaultSession.permissionFor(contents, 'clipboard-sanitized-write', { url: 'app://switchboard/#/connect' })).toBe(true)
    expect(await session.defaultSession.permissionFor(contents, 'clipboard-read', { url: 'app://switchboard/' })).toBe(false)
    expect(await session.defaultSession.permissionFor(contents, 'clipboard-sanitized-write', { url: 'https://example.com/' })).toBe(false)
  })
})

describe('desktop app: the window', () => {
  test('settings from the page are validated, saved, applied live (a new port restarts the relay) and announced', async () => {
    await launch()
    const newPort = await freePort()
    const answer = await ipcMain.invoke('settings:update', page(), { port: newPort })
    expect(answer).toMatchObject({ type: 'success', value: { port: newPort, listenAddress: '127.0.0.1' } })
    await eventually(() => statuses().some(status => status.phase === 'running' && status.port === newPort), 5_000, 'running on the new port')
    // The window heard why before the relay went down.
    expect(statuses()).toContainEqual({ phase: 'starting', port: newPort, restart: ['port'] })
    expect((await fetchHealth(newPort)).status).toBe('ok')
    await closeServer(await listenOn(port))
    expect(tray().menu!.template[0]).toEqual({ label: `Running on port ${newPort}`, enabled: false })
    expect(window().webContents.messages('settings:changed')).toMatchObject([{ port: newPort }])
    expect(log()).toContain('settings changed: port')
  })

  test('under load (100 peers, 50 live pipes), every other setting from the page applies live: nobody disconnected, no message lost, each value in effect', async () => {
    await launch()
    const url = `ws://127.0.0.1:${port}`
    const load = await SequencedLoad.start(url, { peers: 100, pipes: 50 })
    try {
      await load.flowing(1_000)
      const relay = { url, port, snapshot: () => monitoredSnapshot(url) }
      for (const { what, change, check } of [...LIVE_CHANGES, { what: 'interfaces', change: { interfaces: ['eth9'] }, check: async () => undefined }]) {
        expect(await ipcMain.invoke('settings:update', page(), settingsPatch(change)), what).toMatchObject({ type: 'success' })
        await check(relay)
        await load.flowing(500)
        expect(load.report().closes, what).toEqual([])
      }
      const report = await load.drain()
      expect(report).toMatchObject({ closes: [], disorders: [] })
      expect(report.received).toBe(report.sent)
      // Never restarted: the window only ever heard of a running relay (its peer count changing).
      expect(new Set(statuses().map(status => status.phase))).toEqual(new Set(['running']))
      expect(log()).toContain('settings changed: advertiseInterfaces')
    } finally {
      load.close()
    }
  }, 60_000)

  test('a bad change from the page is refused with a message, a wrong sender is refused and logged', async () => {
    await launch()
    expect(await ipcMain.invoke('settings:update', page(), { port: 'eighty' })).toEqual({ type: 'error', message: 'The port must be a whole number from 1 to 65535.' })
    // Each value fine on its own, refused together by the relay's rules, and nothing stored.
    const sameToken = { accessToken: 'one-token-for-both', adminToken: 'one-token-for-both' }
    expect(await ipcMain.invoke('settings:update', page(), sameToken)).toEqual({
      type: 'error',
      message: 'The admin token must differ from the access token: every app knows the access token.',
    })
    expect(await ipcMain.invoke('settings:get', page())).toMatchObject({ value: { accessToken: '', adminToken: '' } })
    const stranger = { frame: appFrame('https://evil.example/'), sender: window().webContents }
    expect(await ipcMain.invoke('settings:get', stranger)).toMatchObject({ type: 'error' })
    expect(log()).toContain("ipc settings:get: Refused: settings:get was not sent by the app's own page.")
  })

  test('the page reads settings, status and network interfaces, and opens the logs folder', async () => {
    await launch()
    expect(await ipcMain.invoke('settings:get', page())).toMatchObject({ type: 'success', value: { port } })
    expect(await ipcMain.invoke('relay:status', page())).toMatchObject({ type: 'success', value: { phase: 'running', port } })
    const interfaces = (await ipcMain.invoke('relay:network-interfaces', page())) as { type: string; value: unknown[] }
    expect(interfaces.type).toBe('success')
    expect(await ipcMain.invoke('app:open-logs-folder', page())).toEqual({ type: 'success' })
    expect(shell.opened).toEqual([app.paths.logs])
  })

  test('the dashboard\'s feed crosses IPC: a snapshot of the running relay, then admin results', async () => {
    await launch()
    ipcMain.sendFrom('monitor:subscribe', page())
    const messages = () => window().webContents.messages('monitor:message') as MonitorServerMessage[]
    // The relay runs in the host process: its messages arrive a moment later.
    await eventually(() => messages().length > 0, 10_000, 'the snapshot from the relay host')
    expect(messages()[0]).toMatchObject({ type: 'snapshot', snapshot: { listening: true, urls: [`ws://127.0.0.1:${port}`] } })
    ipcMain.sendFrom('monitor:request', page(), { type: 'disconnect-peer', peerId: 'nobody', requestId: 5 })
    await eventually(() => messages().some(message => message.type === 'action-result'), 10_000, 'the action result from the relay host')
    expect(messages()).toContainEqual({ type: 'action-result', requestId: 5, ok: false, message: 'Peer nobody is not connected' })
    expect(utilityProcess.forked).toEqual([{ modulePath: path.join(app.appPath, 'dist/desktop/relay-host.mjs'), options: { serviceName: 'Switchboard relay' } }])
    ipcMain.sendFrom('monitor:unsubscribe', page())
  })

  test('keeps the recently-seen history in the app\'s data folder, owner-only; the window clears it', async () => {
    await launch()
    const visitor = new RawPeer(`ws://127.0.0.1:${port}/introduction/visitor`, { localAddress: '127.0.0.2' })
    await visitor.opened
    await visitor.close()
    const file = path.join(app.paths.userData!, 'history', `app-${port}.json`)
    await eventually(() => existsSync(file) && readFileSync(file, 'utf8').includes('127.0.0.2'), 10_000, 'the visit written to the history')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    ipcMain.sendFrom('monitor:subscribe', page())
    const messages = () => window().webContents.messages('monitor:message') as MonitorServerMessage[]
    ipcMain.sendFrom('monitor:request', page(), { type: 'clear-history', requestId: 9 })
    // The relay answers from its own process.
    await eventually(() => messages().some(message => message.type === 'action-result'), 10_000, 'the action result')
    expect(messages()).toContainEqual({ type: 'action-result', requestId: 9, ok: true, message: 'Cleared the recently seen devices' })
    await eventually(() => !readFileSync(file, 'utf8').includes('127.0.0.2'), 10_000, 'the history file cleared')
    ipcMain.sendFrom('monitor:unsubscribe', page())
  })

  test('a busy port shows as an error in the tray and the window; a new port from the window fixes it', async () => {
    const busy = await listenOn(port)
    try {
      await launch()
      expect(tray().image).toEqual({ path: path.join(app.appPath, 'assets/tray/tray-problem.png') })
      expect(tray().tooltip).toContain(`Port ${port} is in use by another program`)
      expect(await ipcMain.invoke('relay:status', page())).toMatchObject({ value: { phase: 'error', port } })
      const newPort = await freePort()
      await ipcMain.invoke('settings:update', page(), { port: newPort })
      await eventually(() => tray().image !== undefined && (tray().image as { path: string }).path.endsWith('tray-idle.png'), 5_000, 'running again')
      expect(statuses().map(status => status.phase)).toEqual(['starting', 'running'])
    } finally {
      await closeServer(busy)
    }
  })
})

describe('desktop app: the tray', () => {
  test('pause and resume stop and restart the relay; the icon follows', async () => {
    await launch()
    tray().click('Pause Relay')
    await eventually(() => (tray().image as { path: string }).path.endsWith('tray-paused.png'), 5_000, 'paused icon')
    await expect(fetchHealth(port)).rejects.toThrow()
    tray().click('Resume Relay')
    await eventually(() => (tray().image as { path: string }).path.endsWith('tray-idle.png'), 5_000, 'idle icon')
    expect((await fetchHealth(port)).status).toBe('ok')
  })

  test('copy relay address, open logs folder', async () => {
    await launch()
    tray().click('Copy Relay Address')
    expect(clipboard.text).toBe(`ws://127.0.0.1:${port}`)
    tray().click('Open Logs Folder')
    expect(shell.opened).toEqual([app.paths.logs])
  })

  test('start at login writes the XDG autostart entry (Linux), is saved, and the menu shows it checked', async () => {
    await launch()
    tray().click('Start at Login')
    const entry = path.join(process.env.XDG_CONFIG_HOME!, 'autostart', 'switchboard.desktop')
    expect(readFileSync(entry, 'utf8')).toContain(`Exec=${process.execPath} ${app.appPath} --hidden`)
    expect(tray().menu!.template.find(item => item.label === 'Start at Login')).toMatchObject({ checked: true })
    expect(await ipcMain.invoke('settings:get', page())).toMatchObject({ value: { startAtLogin: true } })
    tray().click('Start at Login')
    expect(existsSync(entry)).toBe(false)
  })

  test('start at login follows the OS on start-up: an entry removed outside the app reads as off', async () => {
    writeSettings({ port, listenAddress: '127.0.0.1', startAtLogin: true })
    await launch()
    expect(await ipcMain.invoke('settings:get', page())).toMatchObject({ value: { startAtLogin: false } })
  })
})

describe('desktop app: quitting', () => {
  test('quit waits for the relay to close (goodbyes, then close frames), then lets the quit through', async () => {
    await launch()
    tray().click('Quit Switchboard')
    // Held back while the relay closes.
    expect(app.quitted).toBe(false)
    await eventually(() => app.quitted, 10_000, 'the quit to go through')
    expect(app.quitRequests).toBe(2)
    await closeServer(await listenOn(port))
    expect(log()).toMatch(/relay stopped\n.*Switchboard stopped\n$/)
  })

  test('the OS shutting down and Ctrl-C in a terminal quit the same way', async () => {
    await launch()
    let prevented = false
    powerMonitor.emit('shutdown', { preventDefault: () => (prevented = true) })
    expect(prevented).toBe(true)
    await eventually(() => app.quitted, 10_000, 'the quit to go through')

    resetFakeElectron()
    app.paths = { userData: path.join(home, 'userData'), logs: path.join(home, 'logs') }
    await launch()
    signals.emit('SIGTERM')
    await eventually(() => app.quitted, 10_000, 'the quit to go through')
  })

  test('Windows ending the session (log-off, shutdown): a hidden window hears it even with no dashboard open; the end is delayed until the goodbyes went out and the app quit', async () => {
    for (const query of [true, false]) {
      resetFakeElectron()
      app.paths = { userData: path.join(home, 'userData'), logs: path.join(home, 'logs') }
      const discovery = new RecordingDiscovery()
      await launch(['Switchboard.exe', '--hidden'], { platform: 'win32', relayHooks: { startDiscovery: discovery.start } })
      expect(BrowserWindow.instances).toHaveLength(1)
      const listener = BrowserWindow.instances[0]!
      expect(listener.options).toMatchObject({ show: false, skipTaskbar: true })
      expect(listener.loadedUrl).toBeUndefined()
      let sentBeforeQuit: string[] = []
      app.once('will-quit', () => (sentBeforeQuit = [...discovery.log]))
      expect(listener.endSession(['logoff', 'shutdown'], { query })).toBe(query)
      await eventually(() => app.quitted, 10_000, 'the quit to go through')
      expect(sentBeforeQuit).toEqual([`advertise :${port}`, 'goodbye (relay listening: true)', 'goodbyes sent'])
      await closeServer(await listenOn(port))
    }
  })

  test('elsewhere no window is kept for it: a start at login opens none', async () => {
    await launch(['electron', '.', '--hidden'], { platform: 'darwin' })
    expect(BrowserWindow.instances).toHaveLength(0)
  })
})

describe('desktop app: a Linux desktop without a tray (stock GNOME)', () => {
  beforeEach(() => {
    process.env.DBUS_SESSION_BUS_ADDRESS = noTrayBus.address
  })

  test('a start at login still opens the window, which says it is the app', async () => {
    await launch(['electron', '.', '--hidden'])
    expect(BrowserWindow.instances).toHaveLength(1)
    window().emit('ready-to-show')
    expect(window().visible).toBe(true)
    expect(await ipcMain.invoke('app:shell', page())).toEqual({ type: 'success', value: { tray: false, loginItem: 'off' } })
    expect(log()).toContain('no tray icon host on this desktop')
  })

  test('closing the window minimises it and the relay keeps running; the window\'s own Quit quits the usual way', async () => {
    await launch()
    expect(window().close()).toBe(false)
    expect(window().minimized).toBe(true)
    expect(window().isDestroyed()).toBe(false)
    expect((await fetchHealth(port)).status).toBe('ok')
    // Opening it again (a second launch) restores it.
    app.emit('second-instance')
    expect(window().minimized).toBe(false)
    expect(await ipcMain.invoke('app:quit', page())).toEqual({ type: 'success' })
    await eventually(() => app.quitted, 10_000, 'the quit to go through')
    expect(window().isDestroyed()).toBe(true)
    expect(log()).toMatch(/relay stopped\n.*Switchboard stopped\n$/)
  })

  test('with "quit" chosen in Settings, closing the window quits the app', async () => {
    await launch()
    expect(await ipcMain.invoke('settings:update', page(), { closeWithoutTray: 'quit' })).toMatchObject({ type: 'success', value: { closeWithoutTray: 'quit' } })
    expect(await ipcMain.invoke('settings:update', page(), { closeWithoutTray: 'hide' })).toMatchObject({ type: 'error' })
    window().close()
    await eventually(() => app.quitted, 10_000, 'the quit to go through')
  })

  test('where there is a tray, closing the window closes it and a start at login opens none', async () => {
    process.env.DBUS_SESSION_BUS_ADDRESS = bus.address
    await launch()
    expect(window().close()).toBe(true)
    expect(app.quitRequests).toBe(0)
    expect(await ipcMain.invoke('app:shell', { frame: appFrame(), sender: new FakeWebContents() })).toMatchObject({ value: { tray: true } })
  })
})

describe('desktop app: start at login, read back from the OS', () => {
  test('macOS 13+: a login item waiting for approval keeps the checkbox on and says so in the tray and the window', async () => {
    app.loginItem.needsApproval = true
    await launch(['Switchboard'], { platform: 'darwin' })
    tray().click('Start at Login')
    expect(await ipcMain.invoke('settings:get', page())).toMatchObject({ value: { startAtLogin: true } })
    expect(tray().menu!.template.find(item => item.label?.startsWith('Start at Login'))).toMatchObject({ label: 'Start at Login (approve in System Settings)', checked: true })
    expect(window().webContents.messages('app:shell-changed')).toEqual([{ tray: true, loginItem: 'requires-approval' }])
    expect(log()).toContain('start at login needs approval in System Settings')
  })

  test('Windows: an entry turned off in Task Manager reads as off, at start-up and after a change', async () => {
    app.isPackaged = true
    app.loginItem = { ...app.loginItem, openAtLogin: true, path: process.execPath, args: ['--hidden'], deactivatedInTaskManager: true }
    writeSettings({ port, listenAddress: '127.0.0.1', startAtLogin: true })
    await launch(['Switchboard.exe'], { platform: 'win32' })
    expect(await ipcMain.invoke('settings:get', page())).toMatchObject({ value: { startAtLogin: false } })
    tray().click('Start at Login')
    // Windows keeps the user's choice in Task Manager: the app asked, and reads back that it is still off.
    expect(await ipcMain.invoke('settings:get', page())).toMatchObject({ value: { startAtLogin: false } })
    expect(tray().menu!.template.find(item => item.label === 'Start at Login')).toMatchObject({ checked: false })
    expect(log()).toContain('start at login is off in the OS, not as asked')
  })
})

describe('desktop app: where the relay\'s instance id is kept', () => {
  const instanceIdIn = (dir: string) => path.join(dir, `app-${port}`)

  test('macOS and Windows: in the app\'s user data; Linux: in ~/.config/switchboard (XDG)', async () => {
    delete process.env.SWITCHBOARD_INSTANCE_ID_FILE
    await launch(['Switchboard'], { platform: 'darwin' })
    const id = readFileSync(instanceIdIn(path.join(app.paths.userData!, 'instances')), 'utf8').trim()
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(existsSync(instanceIdIn(path.join(process.env.XDG_CONFIG_HOME!, 'switchboard', 'instances')))).toBe(false)
    app.quit()
    await eventually(() => app.quitted, 10_000, 'the quit to go through')

    resetFakeElectron()
    app.paths = { userData: path.join(home, 'userData'), logs: path.join(home, 'logs') }
    await launch(['electron', '.'], { platform: 'linux' })
    expect(existsSync(instanceIdIn(path.join(process.env.XDG_CONFIG_HOME!, 'switchboard', 'instances')))).toBe(true)
  })
})

