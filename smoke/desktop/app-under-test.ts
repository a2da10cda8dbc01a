/**
 * One launch of the packaged app through playwright-core's Electron support, in a profile of its
 * own, recording every console error and uncaught page error of its windows from the start.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { APP_URL } from '../../src-main/desktop/window/app-protocol.js'
import { eventually } from '../../test/helpers/relay.js'

/**
 * A throwaway home for the app: its user data (settings, logs, Chromium's profile) and the relay's
 * instance ids land here, never in the runner's own home, and two launches with one profile are
 * "the same user" to the app's single-instance lock.
 */
export class SmokeProfile {
  readonly root = mkdtempSync(path.join(tmpdir(), 'switchboard-smoke-'))
  readonly userData = path.join(this.root, 'user-data')
  readonly home = path.join(this.root, 'home')

  constructor() {
    mkdirSync(this.userData)
    mkdirSync(this.home)
  }

  /** The app's command line: the user-data folder as a switch, read by the app before anything touches it. */
  get args(): string[] {
    // Linux runners forbid the unprivileged user namespaces Chromium's sandbox needs, and the
    // unpacked app's chrome-sandbox helper is not setuid root: without this the app aborts at start.
    // playwright adds it to the launches it makes; the second launch is ours.
    return [`--user-data-dir=${this.userData}`, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])]
  }

  /** Every variable a platform derives per-user folders from, pointed into the profile. */
  get env(): NodeJS.ProcessEnv {
    const home = this.home
    return {
      ...process.env,
      HOME: home,
      // macOS: CoreFoundation's idea of the home folder (Application Support lives under it).
      CFFIXED_USER_HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      USERPROFILE: home,
      APPDATA: path.join(home, 'AppData', 'Roaming'),
      LOCALAPPDATA: path.join(home, 'AppData', 'Local'),
    }
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5 })
  }
}

export interface PageProblem {
  kind: 'console error' | 'page error'
  url: string
  text: string
}

export class AppUnderTest {
  /** Console errors (CSP violations among them) and uncaught exceptions of every window, in order. */
  readonly problems: PageProblem[] = []

  private constructor(readonly electron: ElectronApplication) {
    const context = electron.context()
    context.on('console', message => {
      if (message.type() === 'error') this.problems.push({ kind: 'console error', url: message.page()?.url() ?? '', text: message.text() })
    })
    context.on('weberror', error => this.problems.push({ kind: 'page error', url: error.page()?.url() ?? '', text: String(error.error()) }))
  }

  static async launch(executable: string, profile: SmokeProfile): Promise<AppUnderTest> {
    const electron = await _electron.launch({ executablePath: executable, args: profile.args, env: profile.env as Record<string, string>, timeout: 60_000 })
    return new AppUnderTest(electron)
  }

  /**
   * The dashboard window (the app opens it on a launch that is not a login). Not simply the first
   * window: on Windows a hidden one without a page listens for log-off and shutdown.
   */
  async window(): Promise<Page> {
    const dashboard = () => this.electron.windows().find(page => page.url().startsWith(APP_URL))
    await eventually(() => dashboard() !== undefined, 30_000, `a window on ${APP_URL}`)
    return dashboard()!
  }

  /** Quits the way the tray's Quit does (app.quit) and waits for the process to end. */
  async quit(): Promise<void> {
    await this.electron.close()
  }
}
