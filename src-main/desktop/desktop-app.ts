/**
 * The desktop app: wires the controllers together and to Electron. Each concern lives in its own
 * module; this file only decides who hears about what.
 */
import path from 'node:path'
import { BrowserWindow, Menu, Tray, app, clipboard, ipcMain, nativeImage, powerMonitor, protocol, session, shell, utilityProcess } from 'electron'
import { settingsNodeOptions } from '../../shared/settings-node-options.js'
import { loadDashboardFiles } from '../monitoring/dashboard-files.js'
import { VERSION } from '../version.js'
import { describeSettingsChange, logLifecycle } from './logs/activity-log.js'
import { appIpcHandlers } from './ipc/app-ipc.js'
import { appPaths } from './app-paths.js'
import { APP_ID } from './app-identity.js'
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appRequestHandler } from './window/app-protocol.js'
import { Autostart, launchCommand } from './start-at-login/autostart.js'
import { installGracefulQuit } from './graceful-quit.js'
import { READY_ENV, READY_LINE } from './launch-outcome.js'
import { REQUEST_PARSERS } from './ipc/ipc-requests.js'
import { notify, registerIpcHandlers } from './ipc/ipc-main.js'
import { LogFile } from './logs/log-file.js'
import { RelayLifecycle } from './relay/relay-lifecycle.js'
import { SettingsStore } from './settings/settings-store.js'
import { TrayController } from './tray/tray-controller.js'
import { trayIconFile } from './tray/tray-icons.js'
import { shareableUrl, type TrayAction, type TrayIconState } from './tray/tray-model.js'
import { WindowController, type CloseAction } from './window/window-controller.js'
import { hasTrayHost } from './tray/tray-host.js'
import type { AppShellState } from '../../shared/ipc-schema.js'
import { WindowMonitorTransport } from './window/window-monitor-transport.js'
import { SESSION_END_WINDOW_OPTIONS } from './window/session-end-window.js'
import type { RelayNodeHooks } from '../node/relay-node.js'
import { guardSession, guardWebContents } from './window/window-security.js'
import { xdgAutostartDir } from './start-at-login/xdg-autostart.js'
import { userDataDirSwitch } from './user-data-switch.js'

export interface LaunchContext {
  argv: readonly string[]
  /** Where SIGINT and SIGTERM come from (a terminal in development). */
  signals: Pick<NodeJS.Process, 'once'>
  platform: NodeJS.Platform
  /** The relay node's hooks; tests record LAN discovery's goodbyes with them. */
  relayHooks?: Pick<RelayNodeHooks, 'startDiscovery'>
}

/** Resolves once the app is up (relay started, tray shown); quitting is handled from then on. */
export async function runDesktopApp({ argv, signals, platform, relayHooks }: LaunchContext = { argv: process.argv, signals: process, platform: process.platform }): Promise<void> {
  // Must happen before `ready`.
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])
  // Before the lock: Electron keeps the single-instance lock in the user-data folder.
  const userData = userDataDirSwitch(argv)
  if (userData) {
    app.setPath('userData', userData)
    app.setAppLogsPath(path.join(userData, 'logs'))
  }
  if (!app.requestSingleInstanceLock()) {
    // The running instance hears about this launch through `second-instance` and shows its window.
    app.quit()
    return
  }
  // A development run has no installed shortcut with that id, and must not pass for the installed app.
  if (platform === 'win32' && app.isPackaged) app.setAppUserModelId(APP_ID)
  await app.whenReady()
  // A tray app: no dock icon on macOS.
  app.dock?.hide()

  const paths = appPaths(app.getAppPath())
  const log = new LogFile({ file: path.join(app.getPath('logs'), 'switchboard.log') })
  log.write(`Switchboard ${VERSION} starting`)
  // Electron cannot read it back; the smoke test checks this line on Windows.
  if (platform === 'win32' && app.isPackaged) log.write(`Windows taskbar id (AppUserModelId) ${APP_ID}`)
  const settings = new SettingsStore({ log: line => log.write(line) })
  const autostart = new Autostart({
    platform,
    loginItems: app,
    command: launchCommand({ execPath: process.execPath, appPath: app.getAppPath(), isPackaged: app.isPackaged, appImage: process.env.APPIMAGE, appDir: process.env.APPDIR }),
    xdgDirectory: xdgAutostartDir(),
  })
  // The OS has the last word on login items: the user may have changed them in its own settings.
  if (autostart.enabled !== settings.settings.startAtLogin) settings.update({ startAtLogin: autostart.enabled })
  const trayShown = await hasTrayHost(platform)
  if (!trayShown) log.write('no tray icon host on this desktop (org.kde.StatusNotifierWatcher): the window is the app, with its own Quit')
  const shellState = (): AppShellState => ({ tray: trayShown, loginItem: autostart.state })

  const dashboardFiles = loadDashboardFiles(paths.renderer)
  // macOS and Windows keep an app's state in its own folder (Application Support, AppData), not ~/.config.
  const stateDir = platform === 'linux' ? undefined : app.getPath('userData')
  const caDirectory = path.join(app.getPath('userData'), 'ca')
  const historyDir = path.join(app.getPath('userData'), 'history')
  // The relay runs in a utility process, so relaying at full speed never stalls the tray or the
  // window; only hooks a test passes (objects, which cannot cross processes) keep it in this one.
  const lifecycle = new RelayLifecycle(
    settingsNodeOptions(settings.settings),
    relayHooks
      ? { ...relayHooks, dashboardFiles, discovery: { frontEnd: 'app', stateDir }, tls: { caDirectory }, history: { dir: historyDir } }
      : {
          host: {
            spawn: () => utilityProcess.fork(paths.relayHost, [], { serviceName: 'Switchboard relay' }),
            setup: { dashboardDir: paths.renderer, stateDir, caDirectory, historyDir, frontEnd: 'app' },
          },
        },
  )
  logLifecycle(lifecycle, log)
  const feed = new WindowMonitorTransport(lifecycle.monitor)

  protocol.handle(APP_SCHEME, appRequestHandler(dashboardFiles))
  guardSession(session.defaultSession)
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents))
  let quitting = false
  app.on('before-quit', () => (quitting = true))
  // Without a tray the window is the only way back to the app: closing it minimises it, or quits.
  const closeAction = (): CloseAction => {
    if (trayShown || quitting) return 'close'
    if (settings.settings.closeWithoutTray === 'minimize') return 'minimize'
    app.quit()
    return 'close'
  }
  const windows = new WindowController(options => new BrowserWindow(options), { preload: paths.preload, icon: paths.appIcon, devTools: !app.isPackaged }, closeAction)

  const trayImage = (state: TrayIconState) => nativeImage.createFromPath(trayIconFile(paths.trayIcons, state, platform))
  const onTrayAction = (action: TrayAction): void => {
    switch (action) {
      case 'open-dashboard':
        return windows.show()
      case 'copy-address': {
        const status = lifecycle.status
        const url = status.phase === 'running' ? shareableUrl(status.urls) : undefined
        if (url) clipboard.writeText(url)
        return
      }
      case 'pause':
        return void lifecycle.pause()
      case 'resume':
        return void lifecycle.resume()
      case 'toggle-start-at-login':
        settings.update({ startAtLogin: !settings.settings.startAtLogin })
        return
      case 'open-logs-folder':
        return void shell.openPath(log.directory)
      case 'quit':
        return app.quit()
    }
  }
  const tray = new Tray(trayImage('paused'))
  const trayController = new TrayController({ tray, icon: trayImage, buildMenu: template => Menu.buildFromTemplate(template), onAction: onTrayAction })
  // Windows opens the menu on a right click; a left click is expected to open the app.
  if (platform === 'win32') tray.on('click', () => windows.show())
  const refreshTray = () => trayController.update({ status: lifecycle.status, startAtLogin: settings.settings.startAtLogin, loginItem: autostart.state })

  lifecycle.on('status', status => {
    refreshTray()
    notify(windows.webContents, 'relay:status-changed', status)
  })
  settings.on('change', (next, previous) => {
    const change = describeSettingsChange(next, previous)
    if (change) log.write(change)
    if (next.startAtLogin !== previous.startAtLogin) {
      try {
        autostart.enabled = next.startAtLogin
      } catch (error) {
        log.write(`start at login not changed: ${(error as Error).message}`)
      }
      // Read back: the OS may have refused, or (macOS 13+) wait for the user's approval.
      const loginItem = autostart.state
      if (loginItem === 'requires-approval') log.write('start at login needs approval in System Settings › General › Login Items')
      notify(windows.webContents, 'app:shell-changed', shellState())
      if (autostart.enabled !== next.startAtLogin) log.write(`start at login is ${loginItem} in the OS, not as asked`)
    }
    lifecycle.reconfigure(settingsNodeOptions(next)).catch((error: Error) => log.write(`settings not applied: ${error.message}`))
    refreshTray()
    notify(windows.webContents, 'settings:changed', next)
    // The checkbox shows what the OS does, which a second change (of this one setting) brings in.
    if (autostart.enabled !== next.startAtLogin) settings.update({ startAtLogin: autostart.enabled })
  })

  registerIpcHandlers({
    ipcMain,
    ...appIpcHandlers({ settings, lifecycle, feed, openLogsFolder: () => shell.openPath(log.directory), shell: shellState, quit: () => app.quit() }),
    parsers: REQUEST_PARSERS,
    onProblem: (channel, message) => log.write(`ipc ${channel}: ${message}`),
  })

  app.on('second-instance', () => windows.show())
  // macOS: opening the app again from Finder or Spotlight while it runs.
  app.on('activate', () => windows.show())
  // Closing the window leaves the app in the tray; only Quit ends it.
  app.on('window-all-closed', () => undefined)
  const sessionEnd = platform === 'win32' ? new BrowserWindow(SESSION_END_WINDOW_OPTIONS) : undefined
  const shutDown = async () => {
    feed.close()
    await lifecycle.quit()
    log.write('Switchboard stopped')
  }
  installGracefulQuit({ app, powerMonitor, signals, sessionEnd }, shutDown, line => log.write(line))

  refreshTray()
  await lifecycle.start()
  // A start at login stays in the tray, where there is one to stay in.
  if (!autostart.launchedAtLogin(argv) || !trayShown) windows.show()
  // `npm start` falls back on the headless relay only when the app never got this far.
  if (process.env[READY_ENV]) process.stderr.write(`${READY_LINE}\n`)
}
