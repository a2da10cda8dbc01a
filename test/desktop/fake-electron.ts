/**
 * A stand-in for the `electron` module: no Electron binary exists on these machines, and the real
 * package would try to download one. It implements the calls the app makes, records what they were
 * given, and lets a test play Electron's part (quit, a second launch, an IPC message from a page).
 * Test files install it with `vi.mock('electron', () => import('./fake-electron.js'))`.
 */
import { EventEmitter } from 'node:events'
import type { IpcMainEvent, IpcMainInvokeEvent, LoginItemSettings, Session, Settings, WebContents, WindowSessionEndEvent } from 'electron'
import { isDeepStrictEqual } from 'node:util'
import { fileURLToPath } from 'node:url'
import { forkHost } from '../../src-main/desktop/relay-host/fork-host.js'

/** The repository, as app.getAppPath() gives it in development: no trailing separator. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '')

let nextContentsId = 1

/** Electron throws when these are used before `ready`; so does the fake. */
function whenReadyOnly(what: string): void {
  if (!app.isReady) throw new Error(`${what} before the app is ready`)
}

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++
  readonly sent: { channel: string; message: unknown }[] = []
  destroyed = false
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined

  isDestroyed(): boolean {
    return this.destroyed
  }

  send(channel: string, message: unknown): void {
    if (this.destroyed) throw new Error('send on destroyed web contents')
    this.sent.push({ channel, message })
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler
  }

  /** Messages sent on `channel`, oldest first. */
  messages(channel: string): unknown[] {
    return this.sent.filter(entry => entry.channel === channel).map(entry => entry.message)
  }
}

export class BrowserWindow extends EventEmitter {
  static readonly instances: BrowserWindow[] = []
  readonly webContents = new FakeWebContents()
  loadedUrl: string | undefined
  visible = false
  focusCount = 0
  minimized = false
  private destroyed = false

  constructor(readonly options: Record<string, unknown>) {
    super()
    whenReadyOnly('new BrowserWindow')
    BrowserWindow.instances.push(this)
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  isMinimized(): boolean {
    return this.minimized
  }

  restore(): void {
    this.minimized = false
  }

  show(): void {
    this.visible = true
  }

  focus(): void {
    this.focusCount++
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrl = url
    return Promise.resolve()
  }

  hide(): void {
    this.visible = false
  }

  minimize(): void {
    this.minimized = true
  }

  isVisible(): boolean {
    return this.visible
  }

  /**
   * The user (or app.quit) closing the window: Electron emits `close`, which a listener may
   * prevent; otherwise the window is gone, with its web contents. Returns whether it closed.
   */
  close(): boolean {
    if (this.destroyed) return true
    let prevented = false
    this.emit('close', { preventDefault: () => (prevented = true) })
    if (prevented) return false
    this.destroy()
    return true
  }

  /** Gone without a `close` event, as Electron's destroy(). */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.visible = false
    this.webContents.destroyed = true
    this.emit('closed')
  }

  /**
   * Windows asking the app whether the session may end (log-off, shutdown): the window gets
   * `query-session-end`, whose preventDefault() delays it, then `session-end`. Returns whether
   * the app asked for the delay.
   */
  endSession(reasons: WindowSessionEndEvent['reasons'], { query = true } = {}): boolean {
    let prevented = false
    if (query) this.emit('query-session-end', { preventDefault: () => (prevented = true), reasons })
    this.emit('session-end', { preventDefault: () => undefined, reasons })
    return prevented
  }
}

export class Tray extends EventEmitter {
  static readonly instances: Tray[] = []
  image: unknown
  tooltip = ''
  menu: { template: MenuItem[] } | null = null
  readonly counts = { setImage: 0, setToolTip: 0, setContextMenu: 0 }

  constructor(image: unknown) {
    super()
    whenReadyOnly('new Tray')
    this.image = image
    Tray.instances.push(this)
  }

  setImage(image: unknown): void {
    this.counts.setImage++
    this.image = image
  }

  setToolTip(text: string): void {
    this.counts.setToolTip++
    this.tooltip = text
  }

  setContextMenu(menu: { template: MenuItem[] } | null): void {
    this.counts.setContextMenu++
    this.menu = menu
  }

  /** Clicks the menu item whose label starts with `label`. */
  click(label: string): void {
    const item = this.menu?.template.find(entry => entry.label?.startsWith(label))
    if (!item?.click) throw new Error(`no menu item "${label}" in ${JSON.stringify(this.menu?.template.map(entry => entry.label))}`)
    item.click()
  }
}

interface MenuItem {
  label?: string
  type?: string
  enabled?: boolean
  checked?: boolean
  click?: () => void
}

export const Menu = { buildFromTemplate: (template: MenuItem[]) => ({ template }) }

export const nativeImage = { createFromPath: (path: string) => ({ path }) }

/** A sender frame as Electron describes it; the app's own page unless a test says otherwise. */
export interface FakeFrame {
  url: string
  parent: FakeFrame | null
}

export const appFrame = (url = 'app://switchboard/'): FakeFrame => ({ url, parent: null })

export class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>()

  handle(channel: string, handler: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`a second handler for ${channel}`)
    this.handlers.set(channel, handler)
  }

  /** What `ipcRenderer.invoke` in a page would get. */
  invoke(channel: string, from: { frame: FakeFrame | null; sender: FakeWebContents }, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel)
    if (!handler) throw new Error(`no handler for ${channel}`)
    const event = { senderFrame: from.frame, sender: from.sender } as unknown as IpcMainInvokeEvent
    return Promise.resolve(handler(event, ...args))
  }

  /** What `ipcRenderer.send` in a page does. */
  sendFrom(channel: string, from: { frame: FakeFrame | null; sender: FakeWebContents }, ...args: unknown[]): void {
    const event = { senderFrame: from.frame, sender: from.sender } as unknown as IpcMainEvent
    this.emit(channel, event, ...args)
  }
}

export const ipcMain = new FakeIpcMain()

type LoginItemQuery = { path?: string; args?: string[] }

/** The OS's login item for this app, and what the user did to it outside the app. */
function freshLoginItem() {
  return {
    openAtLogin: false,
    wasOpenedAtLogin: false,
    path: '',
    args: [] as string[],
    status: 'not-registered' as LoginItemSettings['status'],
    /** macOS 13+: an unsigned app's new login item waits for the user in System Settings. */
    needsApproval: false,
    /** Windows: the user turned the entry off in Task Manager's Startup page. */
    deactivatedInTaskManager: false,
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false
  paths: Record<string, string> = {}
  appPath = REPO_ROOT
  holdsSingleInstanceLock = true
  readonly dock = { hidden: false, hide: () => void (this.dock.hidden = true) }
  loginItem = freshLoginItem()
  quitRequests = 0
  /** What setAppUserModelId was given (Windows). */
  appUserModelId: string | undefined
  /** Set once a quit went through (nobody prevented it). */
  quitted = false
  exitCode: number | undefined

  isReady = false

  whenReady(): Promise<void> {
    this.isReady = true
    return Promise.resolve()
  }

  /** The user-data folder when the lock was asked for: Electron keeps the lock there. */
  lockedUserData: string | undefined

  requestSingleInstanceLock(): boolean {
    this.lockedUserData = this.paths.userData
    return this.holdsSingleInstanceLock
  }

  getPath(name: string): string {
    const path = this.paths[name]
    if (!path) throw new Error(`the test set no app path "${name}"`)
    return path
  }

  setPath(name: string, path: string): void {
    this.paths[name] = path
  }

  /** Electron's default: `<userData>/logs` on Linux and Windows. */
  setAppLogsPath(path = `${this.getPath('userData')}/logs`): void {
    this.paths.logs = path
  }

  getAppPath(): string {
    return this.appPath
  }

  getVersion(): string {
    return '0.1.0'
  }

  /**
   * As Electron: `before-quit`, which a listener may prevent; then every window is closed, and a
   * window that prevents its `close` cancels the quit; then `will-quit`, and the app is gone.
   */
  quit(): void {
    this.quitRequests++
    let prevented = false
    this.emit('before-quit', { preventDefault: () => (prevented = true) })
    if (prevented) return
    for (const window of BrowserWindow.instances) if (!window.close()) return
    this.emit('will-quit', { preventDefault: () => undefined })
    this.quitted = true
  }

  setAppUserModelId(id: string): void {
    this.appUserModelId = id
  }

  exit(code: number): void {
    this.exitCode = code
  }

  /**
   * As Electron 42 answers, for the item the query names: Windows matches its run key by program
   * (`path`, default the running binary) and `args`, and says through executableWillLaunchAtLogin
   * whether Task Manager left it active; macOS 13+ reports the SMAppService `status`.
   */
  getLoginItemSettings(query: LoginItemQuery = {}): LoginItemSettings {
    const item = this.loginItem
    const sameProgram = (query.path ?? process.execPath) === item.path
    const matches = item.openAtLogin && sameProgram && isDeepStrictEqual(query.args ?? [], item.args)
    return {
      openAtLogin: matches && item.status !== 'requires-approval',
      openAsHidden: false,
      wasOpenedAtLogin: item.wasOpenedAtLogin,
      wasOpenedAsHidden: false,
      restoreState: false,
      status: item.status,
      launchItems: [],
      executableWillLaunchAtLogin: item.openAtLogin && sameProgram && !item.deactivatedInTaskManager,
    }
  }

  setLoginItemSettings(settings: Settings): void {
    const openAtLogin = settings.openAtLogin ?? false
    const status = !openAtLogin ? 'not-registered' : this.loginItem.needsApproval ? 'requires-approval' : 'enabled'
    this.loginItem = { ...this.loginItem, openAtLogin, path: settings.path ?? process.execPath, args: settings.args ?? [], status }
  }
}

export const app = new FakeApp()

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    // As in Electron: too late once the app is ready.
    if (app.isReady) throw new Error('registerSchemesAsPrivileged must be called before the app is ready')
    this.privileged.push(...schemes)
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    whenReadyOnly('protocol.handle')
    this.handlers.set(scheme, handler)
  },
}

/** Electron 42's own handler types, so the fake is called as Chromium calls the real ones. */
type PermissionRequestHandler = NonNullable<Parameters<Session['setPermissionRequestHandler']>[0]>
type PermissionCheckHandler = NonNullable<Parameters<Session['setPermissionCheckHandler']>[0]>
type BeforeRequestHandler = (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void

export class FakeSession {
  permissionRequestHandler: PermissionRequestHandler | undefined
  permissionCheckHandler: PermissionCheckHandler | undefined
  beforeRequest: BeforeRequestHandler | undefined
  readonly webRequest = { onBeforeRequest: (handler: BeforeRequestHandler) => void (this.beforeRequest = handler) }

  setPermissionRequestHandler(handler: PermissionRequestHandler): void {
    this.permissionRequestHandler = handler
  }

  /**
   * What Chromium does when a page uses a permission: it checks first and, when the check says no,
   * requests. The origin and URLs are those of the frame asking.
   */
  permissionFor(contents: FakeWebContents, permission: Parameters<PermissionRequestHandler>[1], frame: { url: string; embeddingOrigin?: string; isMainFrame?: boolean }): Promise<boolean> {
    const webContents = contents as unknown as WebContents
    const isMainFrame = frame.isMainFrame ?? true
    const checkable = permission as Parameters<PermissionCheckHandler>[1]
    // Chromium gives a registered standard scheme an origin like https's; Node's URL says "null" for it.
    const { protocol, host } = new URL(frame.url)
    if (this.permissionCheckHandler?.(webContents, checkable, `${protocol}//${host}`, { isMainFrame, requestingUrl: frame.url, embeddingOrigin: frame.embeddingOrigin })) return Promise.resolve(true)
    if (!this.permissionRequestHandler) return Promise.resolve(false)
    return new Promise(resolve => this.permissionRequestHandler!(webContents, permission, resolve, { isMainFrame, requestingUrl: frame.url }))
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler): void {
    this.permissionCheckHandler = handler
  }
}

export const session = { defaultSession: new FakeSession() }

export const shell = {
  opened: [] as string[],
  openPath(path: string): Promise<string> {
    this.opened.push(path)
    return Promise.resolve('')
  },
}

export const clipboard = {
  text: '',
  writeText(text: string): void {
    this.text = text
  },
}

export const powerMonitor = new EventEmitter()

export const dialog = { showErrorBox: (): void => undefined }

/** The relay host as a Node child process, which the host cannot tell from a utility process; records what was forked. */
export const utilityProcess = {
  forked: [] as { modulePath: string; options: unknown }[],
  fork(modulePath: string, _args: string[], options: unknown) {
    whenReadyOnly('utilityProcess.fork')
    this.forked.push({ modulePath, options })
    return forkHost(modulePath)()
  },
}

/** The preload side: what a sandboxed preload script gets from `require('electron')`. */
export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    if (this.exposed.has(key)) throw new Error(`${key} exposed twice`)
    this.exposed.set(key, api)
  },
}

class FakeIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; args: unknown[] }[] = []
  readonly sentToMain: { channel: string; args: unknown[] }[] = []
  /** What main answers to invoke, per channel. */
  answers = new Map<string, unknown>()

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args })
    return Promise.resolve(this.answers.get(channel))
  }

  send(channel: string, ...args: unknown[]): void {
    this.sentToMain.push({ channel, args })
  }

  /** What main's webContents.send does in the page: the listener gets Electron's event first. */
  deliver(channel: string, message: unknown): void {
    this.emit(channel, { sender: this, senderId: 0 }, message)
  }
}

export const ipcRenderer = new FakeIpcRenderer()

export default { app, BrowserWindow, Tray, Menu, nativeImage, ipcMain, protocol, session, shell, clipboard, powerMonitor, dialog, utilityProcess, contextBridge, ipcRenderer }

/** Back to a freshly started Electron, for the next test. */
export function resetFakeElectron(): void {
  for (const emitter of [app, ipcMain, powerMonitor, ipcRenderer]) emitter.removeAllListeners()
  ipcMain.handlers.clear()
  BrowserWindow.instances.length = 0
  Tray.instances.length = 0
  Object.assign(app, { isReady: false, isPackaged: false, paths: {}, appPath: REPO_ROOT, holdsSingleInstanceLock: true, quitRequests: 0, quitted: false, exitCode: undefined, appUserModelId: undefined, lockedUserData: undefined })
  app.dock.hidden = false
  app.loginItem = freshLoginItem()
  protocol.privileged.length = 0
  protocol.handlers.clear()
  session.defaultSession = new FakeSession()
  shell.opened.length = 0
  clipboard.text = ''
  contextBridge.exposed.clear()
  utilityProcess.forked.length = 0
}
