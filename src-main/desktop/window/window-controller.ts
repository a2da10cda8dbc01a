/**
 * The dashboard window: opened on demand, focused when it exists, and gone when closed; the app
 * lives on in the tray and a new window is made the next time. Where there is no tray, closing
 * may minimise it instead (`closeAction`), so the app stays reachable.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron'
import { APP_URL } from './app-protocol.js'
import { dashboardWindowOptions, type WindowSettings } from './window-security.js'

type DashboardWindow = Pick<BrowserWindow, 'isDestroyed' | 'isMinimized' | 'restore' | 'minimize' | 'show' | 'focus' | 'once' | 'on' | 'loadURL' | 'webContents'>

/** What the user closing the window does; asked at each close. */
export type CloseAction = 'close' | 'minimize'

export class WindowController {
  private window: DashboardWindow | undefined

  constructor(
    private readonly createWindow: (options: BrowserWindowConstructorOptions) => DashboardWindow,
    private readonly settings: WindowSettings,
    private readonly closeAction: () => CloseAction = () => 'close',
  ) {}

  /** The open window's contents, for notifications; undefined while no window is open. */
  get webContents(): WebContents | undefined {
    return this.window && !this.window.isDestroyed() ? this.window.webContents : undefined
  }

  /** Opens the window, or brings the open one to the front (a second launch, the tray, the dock). */
  show(): void {
    const existing = this.window
    if (existing && !existing.isDestroyed()) {
      if (existing.isMinimized()) existing.restore()
      existing.show()
      existing.focus()
      return
    }
    const window = this.createWindow(dashboardWindowOptions(this.settings))
    this.window = window
    window.once('ready-to-show', () => window.show())
    window.on('close', event => {
      if (this.closeAction() !== 'minimize') return
      event.preventDefault()
      window.minimize()
    })
    window.on('closed', () => {
      if (this.window === window) this.window = undefined
    })
    void window.loadURL(APP_URL)
  }
}
