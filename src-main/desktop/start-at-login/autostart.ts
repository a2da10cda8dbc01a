/**
 * Start at login, on each OS the way it expects: a login item on macOS and Windows (through
 * Electron), an XDG autostart entry on Linux. A start at login opens no window: the app comes up
 * in the tray only. What counts is what the OS reports back, read after every change.
 */
import path from 'node:path'
import type { App } from 'electron'
import type { LoginItemState } from '../../../shared/ipc-schema.js'
import { XdgAutostart } from './xdg-autostart.js'

/** Passed by the login item (Windows, Linux); macOS says so through `wasOpenedAtLogin` instead. */
export const HIDDEN_ARG = '--hidden'

type LoginItems = Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>

export interface AutostartOptions {
  platform: NodeJS.Platform
  loginItems: LoginItems
  /** The program that starts this app and its arguments (launchCommand()). */
  command: readonly string[]
  /** Linux: the XDG autostart folder. */
  xdgDirectory: string
}

export class Autostart {
  private readonly platform: NodeJS.Platform
  private readonly loginItems: LoginItems
  private readonly command: readonly string[]
  private readonly xdg: XdgAutostart

  constructor(options: AutostartOptions) {
    this.platform = options.platform
    this.loginItems = options.loginItems
    this.command = options.command
    this.xdg = new XdgAutostart(options.xdgDirectory, [...options.command, HIDDEN_ARG])
  }

  /**
   * What the OS will do at the next login; the user may have changed it in the OS's own settings
   * (Windows: Task Manager's Startup page turns the entry off without removing it).
   */
  get state(): LoginItemState {
    if (this.platform === 'linux') return this.xdg.enabled ? 'on' : 'off'
    const item = this.loginItems.getLoginItemSettings(this.loginItemQuery())
    // macOS 13+: registered, but an unsigned app waits for the user in System Settings › Login Items.
    if (this.platform === 'darwin' && item.status === 'requires-approval') return 'requires-approval'
    if (this.platform === 'win32') return item.openAtLogin && item.executableWillLaunchAtLogin ? 'on' : 'off'
    return item.openAtLogin ? 'on' : 'off'
  }

  /** Whether the user asked for it and the OS has it, approved or not yet. */
  get enabled(): boolean {
    return this.state !== 'off'
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

  /**
   * Windows matches the login item by its program and arguments, so both are given on every call;
   * in development that is Electron with the app folder, which a login item without it would not open.
   */
  private loginItemQuery(): { path?: string; args?: string[] } {
    if (this.platform !== 'win32') return {}
    const [program, ...args] = this.command
    return { path: program, args: [...args, HIDDEN_ARG] }
  }
}

export interface LaunchFacts {
  execPath: string
  appPath: string
  isPackaged: boolean
  /** $APPIMAGE and $APPDIR: set by the AppImage runtime, but inherited by anything it starts. */
  appImage: string | undefined
  appDir: string | undefined
}

/** The command that starts this app: the AppImage when run from one, else Electron (with the app folder in development). */
export function launchCommand({ execPath, appPath, isPackaged, appImage, appDir }: LaunchFacts): string[] {
  // A deb-installed copy started from a terminal inside an AppImage inherits APPIMAGE; only a
  // binary inside the mounted image (APPDIR) is really that AppImage.
  if (appImage && appDir && isInside(execPath, appDir)) return [appImage]
  return isPackaged ? [execPath] : [execPath, appPath]
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}
