/**
 * Electron's security checklist, applied in one place: what every window may do (web
 * preferences), what every web contents may not do (navigate, open windows, attach webviews), and
 * what the session refuses (permissions, requests to anywhere but the app itself).
 */
import type { BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron'
import { APP_HOST, APP_SCHEME, isAppUrl } from './app-protocol.js'

export interface WindowSettings {
  /** The bundled preload script (a CommonJS file: sandboxed preloads cannot load modules). */
  preload: string
  icon: string
  /** Only in development: DevTools can run any code in the page. */
  devTools: boolean
}

export function secureWebPreferences({ preload, devTools }: Pick<WindowSettings, 'preload' | 'devTools'>): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools,
  }
}

export function dashboardWindowOptions(settings: WindowSettings): BrowserWindowConstructorOptions {
  return {
    title: 'Switchboard',
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    // Shown once the page painted, so it never flashes white.
    show: false,
    autoHideMenuBar: true,
    icon: settings.icon,
    webPreferences: secureWebPreferences(settings),
  }
}

type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>

/** For every web contents the app creates: it stays on its page and opens nothing. */
export function guardWebContents(contents: GuardedContents): void {
  // The dashboard routes with the URL hash, which is not a navigation; anything else is a link or a script going elsewhere.
  contents.on('will-navigate', event => event.preventDefault())
  contents.on('will-redirect', event => event.preventDefault())
  contents.on('will-attach-webview', event => event.preventDefault())
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
}

type GuardedSession = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> & {
  webRequest: Pick<Session['webRequest'], 'onBeforeRequest'>
}

/**
 * The one permission the dashboard uses: its copy buttons call navigator.clipboard.writeText, and on
 * a secure origin Chromium has no selection fallback, so without it "Copy" never works.
 */
export const GRANTED_PERMISSION = 'clipboard-sanitized-write'

/** How Chromium spells the app's origin in a permission check. */
const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

/**
 * The dashboard needs no remote content, and no permission beyond clipboard writes from its own
 * frames. Chromium asks both handlers (a check first, then a request when the check says no), so
 * both give the same answer.
 */
export function guardSession(session: GuardedSession): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permission === GRANTED_PERMISSION && isAppUrl(details.requestingUrl)))
  session.setPermissionCheckHandler(
    (_contents, permission, requestingOrigin, details) =>
      permission === GRANTED_PERMISSION &&
      requestingOrigin === APP_ORIGIN &&
      // A frame of another origin inside the app's page (there are none today) is not the app.
      (details.embeddingOrigin === undefined || details.embeddingOrigin === APP_ORIGIN) &&
      (details.requestingUrl === undefined || isAppUrl(details.requestingUrl)),
  )
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }))
}

/** The app's own pages, and DevTools' when they are enabled in development. */
export function isAllowedRequest(url: string): boolean {
  return isAppUrl(url) || url.startsWith('devtools://')
}
