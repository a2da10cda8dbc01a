/**
 * The desktop app: wires the controllers together and to Electron. Each concern lives in its own
 * module; this file only decides who hears about what.
 */
import path from 'node:path'
import { BrowserWindow, Menu, Tray, app, clipboard, ipcMain, nativeImage, powerMonitor, protocol, session, shell } from 'electron'
import { settingsNodeOptions } from '../../shared/settings-node-options.js'
import { loadDashboardFiles } from '../monitoring/dashboard-files.js'
import { VERSION } from '../version.js'
import { describeSettingsChange, logLifecycle } from './logs/activity-log.js'
import { appIpcHandlers } from './ipc/app-ipc.js'
import { appPaths } from './app-paths.js'
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appRequestHandler } from './window/app-protocol.js'
import { Autostart, launchCommand } from './start-at-login/autostart.js'
import { installGracefulQuit } from './graceful-quit.js'
import { REQUEST_PARSERS } from './ipc/ipc-requests.js'
import { notify, registerIpcHandlers } from './ipc/ipc-main.js'
import { LogFile } from './logs/log-file.js'
import { RelayLifecycle } from './relay/relay-lifecycle.js'
import { SettingsStore } from './settings/settings-store.js'
import { TrayController } from './tray/tray-controller.js'
import { trayIconFile } from './tray/tray-icons.js'
import { shareableUrl, type TrayAction, type TrayIconState } from './tray/tray-model.js'
import { WindowController } from './window/window-controller.js'
import { WindowMonitorTransport } from './window/window-monitor-transport.js'
import { guardSession, guardWebContents } from './window/window-security.js'
import { xdgAutostartDir } from './start-at-login/xdg-autostart.js'

export interface LaunchContext {
  argv: readonly string[]
  /** Where SIGINT and SIGTERM come from (a terminal in development). */
  signals: Pick<NodeJS.Process, 'once'>
}

/** Resolves once the app is up (relay started, tray shown); quitting is handled from then on. */
export async function runDesktopApp({ argv, signals }: LaunchContext = { argv: process.argv, signals: process }): Promise<void> {
  // Must happen before `ready`.
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])
  if (!app.requestSingleInstanceLock()) {
    // The running instance hears about this launch through `second-instance` and shows its window.
    app.quit()
    return
  }
  await app.whenReady()
  // A tray app: no dock icon on macOS.
  app.dock?.hide()

  const paths = appPaths(app.getAppPath())
  const log = new LogFile({ file: path.join(app.getPath('logs'), 'switchboard.log') })
  log.write(`Switchboard ${VERSION} starting`)
  const settings = new SettingsStore({ log: line => log.write(line) })
  const autostart = new Autostart({
    platform: process.platform,
    loginItems: app,
    xdg: {
      directory: xdgAutostartDir(),
      command: launchCommand({ execPath: process.execPath, appPath: app.getAppPath(), isPackaged: app.isPackaged, appImage: process.env.APPIMAGE }),
    },
  })
  // The OS has the last word on login items: the user may have changed them in its own settings.
  if (autostart.enabled !== settings.settings.startAtLogin) settings.update({ startAtLogin: autostart.enabled })

  const dashboardFiles = loadDashboardFiles(paths.renderer)
  const lifecycle = new RelayLifecycle(settingsNodeOptions(settings.settings), {
    dashboardFiles,
    discovery: { frontEnd: 'app' },
    history: { dir: path.join(app.getPath('userData'), 'history') },
  })
  logLifecycle(lifecycle, log)
  const feed = new WindowMonitorTransport(lifecycle.monitor)

  protocol.handle(APP_SCHEME, appRequestHandler(dashboardFiles))
  guardSession(session.defaultSession)
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents))
  const windows = new WindowController(options => new BrowserWindow(options), {
    preload: paths.preload,
    icon: paths.appIcon,
    devTools: !app.isPackaged,
  })

  const trayImage = (state: TrayIconState) => nativeImage.createFromPath(trayIconFile(paths.trayIcons, state, process.platform))
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
  if (process.platform === 'win32') tray.on('click', () => windows.show())
  const refreshTray = () => trayController.update({ status: lifecycle.status, startAtLogin: settings.settings.startAtLogin })

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
    }
    lifecycle.reconfigure(settingsNodeOptions(next)).catch((error: Error) => log.write(`settings not applied: ${error.message}`))
    refreshTray()
    notify(windows.webContents, 'settings:changed', next)
  })

  registerIpcHandlers({
    ipcMain,
    ...appIpcHandlers({ settings, lifecycle, feed, openLogsFolder: () => shell.openPath(log.directory) }),
    parsers: REQUEST_PARSERS,
    onProblem: (channel, message) => log.write(`ipc ${channel}: ${message}`),
  })

  app.on('second-instance', () => windows.show())
  // macOS: opening the app again from Finder or Spotlight while it runs.
  app.on('activate', () => windows.show())
  // Closing the window leaves the app in the tray; only Quit ends it.
  app.on('window-all-closed', () => undefined)
  installGracefulQuit({ app, powerMonitor, signals }, async () => {
    feed.close()
    await lifecycle.quit()
    log.write('Switchboard stopped')
  })

  refreshTray()
  await lifecycle.start()
  if (!autostart.launchedAtLogin(argv)) windows.show()
}
