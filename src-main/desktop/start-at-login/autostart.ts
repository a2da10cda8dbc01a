/**
 * Start at login, on each OS the way it expects: a login item on macOS and Windows (through
 * Electron), an XDG autostart entry on Linux. A start at login opens no window: the app comes up
 * in the tray only.
 */
import type { App } from 'electron'
import { XdgAutostart } from './xdg-autostart.js'

/** Passed by the login item (Windows, Linux); macOS says so through `wasOpenedAtLogin` instead. */
export const HIDDEN_ARG = '--hidden'

type LoginItems = Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>

export interface AutostartOptions {
  platform: NodeJS.Platform
  loginItems: LoginItems
  /** Linux: where the entry goes and the command that starts this app. */
  xdg: { directory: string; command: readonly string[] }
}

export class Autostart {
  private readonly platform: NodeJS.Platform
  private readonly loginItems: LoginItems
  private readonly xdg: XdgAutostart

  constructor(options: AutostartOptions) {
    this.platform = options.platform
    this.loginItems = options.loginItems
    this.xdg = new XdgAutostart(options.xdg.directory, [...options.xdg.command, HIDDEN_ARG])
  }

  /** What the OS will do at the next login; the user may have changed it in the OS's own settings. */
  get enabled(): boolean {
    if (this.platform === 'linux') return this.xdg.enabled
    return this.loginItems.getLoginItemSettings(this.loginItemQuery()).openAtLogin
  }

  set enabled(enabled: boolean) {
    if (this.platform === 'linux') this.xdg.enabled = enabled
    else this.loginItems.setLoginItemSettings({ openAtLogin: enabled, ...this.loginItemQuery() })
  }

  /** Whether this launch is the login item's, so the window stays closed. */
  launchedAtLogin(argv: readonly string[]): boolean {
    if (argv.includes(HIDDEN_ARG)) return true
    return this.platform === 'darwin' && this.loginItems.getLoginItemSettings().wasOpenedAtLogin === true
  }

  /** Windows matches the login item by its arguments, so they are given on every call. */
  private loginItemQuery(): { args?: string[] } {
    return this.platform === 'win32' ? { args: [HIDDEN_ARG] } : {}
  }
}

/** The command that starts this app: the AppImage when run from one, else Electron (with the app folder in development). */
export function launchCommand({ execPath, appPath, isPackaged, appImage }: { execPath: string; appPath: string; isPackaged: boolean; appImage: string | undefined }): string[] {
  if (appImage) return [appImage]
  return isPackaged ? [execPath] : [execPath, appPath]
}
