/**
 * The window's security: web preferences, what its web contents and session refuse, the page served
 * from the app's own scheme with a strict CSP, and the window controller (open, focus, reopen).
 */
import type { BrowserWindow, WebContents } from 'electron'
import { beforeAll, describe, expect, test } from 'vitest'
import { DASHBOARD_PREFIX } from '../../shared/monitoring.js'
import { APP_SCHEME_PRIVILEGES, APP_URL, WINDOW_CSP, appRequestHandler, isAppUrl } from '../../src-main/desktop/window/app-protocol.js'
import { WindowController } from '../../src-main/desktop/window/window-controller.js'
import { dashboardWindowOptions, guardSession, guardWebContents, isAllowedRequest, secureWebPreferences } from '../../src-main/desktop/window/window-security.js'
import type { DashboardFile } from '../../src-main/monitoring/dashboard-files.js'
import { BrowserWindow as FakeBrowserWindow, FakeSession, FakeWebContents, app } from './fake-electron.js'

const settings = { preload: '/app/dist/desktop/preload.cjs', icon: '/app/assets/icon.png', devTools: false }

describe('window security', () => {
  test('web preferences: isolated, sandboxed, no Node, no webviews, the preload bundle', () => {
    expect(secureWebPreferences(settings)).toEqual({
      preload: '/app/dist/desktop/preload.cjs',
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
      devTools: false,
    })
    const options = dashboardWindowOptions({ ...settings, devTools: true })
    expect(options).toMatchObject({ show: false, icon: settings.icon, webPreferences: { devTools: true, sandbox: true } })
  })

  test('web contents stay on their page: navigation, redirects and webviews are prevented, new windows denied', () => {
    const contents = new FakeWebContents()
    guardWebContents(contents as unknown as WebContents)
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false
      contents.emit(event, { preventDefault: () => (prevented = true) }, 'https://evil.example/')
      expect(prevented, event).toBe(true)
    }
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    expect(contents.windowOpenHandler!({ url: APP_URL })).toEqual({ action: 'deny' })
  })

  test('the session grants clipboard writes to the app\'s own frames only, nothing else, and loads nothing but the app\'s own pages', async () => {
    const session = new FakeSession()
    guardSession(session as unknown as Parameters<typeof guardSession>[0])
    const contents = new FakeWebContents()
    const ask = (permission: Parameters<typeof session.permissionFor>[1], url: string, embeddingOrigin?: string) => session.permissionFor(contents, permission, { url, embeddingOrigin })
    expect(await ask('clipboard-sanitized-write', `${APP_URL}#/peers`)).toBe(true)
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen'] as const) {
      expect(await ask(permission, APP_URL), permission).toBe(false)
    }
    expect(await ask('clipboard-sanitized-write', 'https://evil.example/')).toBe(false)
    expect(await ask('clipboard-sanitized-write', 'app://switchboard.evil/')).toBe(false)
    expect(await ask('clipboard-sanitized-write', 'http://127.0.0.1:8080/')).toBe(false)
    // A frame of another origin inside the app's page.
    expect(await ask('clipboard-sanitized-write', 'https://evil.example/frame', 'app://switchboard')).toBe(false)
    // Each handler alone answers the same: Chromium may call either without the other.
    const check = session.permissionCheckHandler!
    expect(check(null, 'clipboard-sanitized-write', 'app://switchboard', { isMainFrame: true, requestingUrl: APP_URL })).toBe(true)
    expect(check(null, 'clipboard-sanitized-write', 'app://switchboard', { isMainFrame: false, embeddingOrigin: 'https://evil.example' })).toBe(false)
    expect(check(null, 'clipboard-read', 'app://switchboard', { isMainFrame: true, requestingUrl: APP_URL })).toBe(false)
    const request = (permission: 'clipboard-sanitized-write' | 'media', requestingUrl: string) =>
      new Promise<boolean>(resolve => session.permissionRequestHandler!(contents as unknown as WebContents, permission, resolve, { isMainFrame: true, requestingUrl }))
    expect(await request('clipboard-sanitized-write', APP_URL)).toBe(true)
    expect(await request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false)
    expect(await request('media', APP_URL)).toBe(false)
    const cancelled = (url: string) => {
      let answer: { cancel?: boolean } = {}
      session.beforeRequest!({ url }, response => (answer = response))
      return answer.cancel
    }
    expect(cancelled(`${APP_URL}_switchboard/assets/index.js`)).toBe(false)
    expect(cancelled('https://cdn.example/lib.js')).toBe(true)
    expect(cancelled('http://127.0.0.1:8080/')).toBe(true)
    expect(cancelled('ws://127.0.0.1:8080/_switchboard/monitor')).toBe(true)
    expect(cancelled('file:///etc/passwd')).toBe(true)
    expect(isAllowedRequest('devtools://devtools/bundled/inspector.html')).toBe(true)
  })
})

describe('the app:// scheme', () => {
  const files = new Map<string, DashboardFile>([
    ['/', { body: Buffer.from('<!doctype html><title>Switchboard</title>'), contentType: 'text/html; charset=utf-8', immutable: false }],
    [`${DASHBOARD_PREFIX}assets/index-abc.js`, { body: Buffer.from('console.log(1)'), contentType: 'text/javascript; charset=utf-8', immutable: true }],
  ])
  const handle = appRequestHandler(files)

  test('is privileged as a standard, secure scheme, so the page has an origin and may load modules', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true } })
  })

  test('serves the built dashboard with a CSP that allows nothing but itself and no network at all', async () => {
    const page = handle(new Request(APP_URL))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<title>Switchboard</title>')
    expect(page.headers.get('content-security-policy')).toBe(WINDOW_CSP)
    expect(WINDOW_CSP).toContain("default-src 'none'")
    expect(WINDOW_CSP).toContain("script-src 'self';")
    expect(WINDOW_CSP).toContain("connect-src 'none'")
    expect(WINDOW_CSP).not.toContain('unsafe')
    expect(handle(new Request(`${APP_URL}index.html`)).status).toBe(200)
    const script = handle(new Request(`${APP_URL}_switchboard/assets/index-abc.js`))
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('content-security-policy')).toBe(WINDOW_CSP)
    expect(await handle(new Request(APP_URL, { method: 'HEAD' })).text()).toBe('')
  })

  test('anything else is refused', async () => {
    expect(handle(new Request(`${APP_URL}../../etc/passwd`)).status).toBe(404)
    expect(handle(new Request(`${APP_URL}_switchboard/monitor`)).status).toBe(404)
    expect(handle(new Request('app://other/')).status).toBe(404)
    expect(handle(new Request(APP_URL, { method: 'POST', body: 'x' })).status).toBe(405)
    const unbuilt = appRequestHandler(undefined)(new Request(APP_URL))
    expect(unbuilt.status).toBe(503)
    expect(await unbuilt.text()).toContain('npm run build:dashboard')
  })

  test('only app://switchboard/ is the app', () => {
    expect(isAppUrl('app://switchboard/')).toBe(true)
    expect(isAppUrl('app://switchboard/#/peers')).toBe(true)
    expect(isAppUrl('app://switchboard.evil/')).toBe(false)
    expect(isAppUrl('app://evil/?switchboard')).toBe(false)
    expect(isAppUrl('https://switchboard/')).toBe(false)
    expect(isAppUrl('')).toBe(false)
  })
})

describe('window controller', () => {
  beforeAll(() => {
    app.isReady = true
  })

  const open = () => {
    const created: FakeBrowserWindow[] = []
    const windows = new WindowController(options => {
      const window = new FakeBrowserWindow(options as Record<string, unknown>)
      created.push(window)
      return window as unknown as BrowserWindow
    }, settings)
    return { windows, created }
  }

  test('opens one window on the app\'s page, shown once it is ready, with the secure options', () => {
    const { windows, created } = open()
    windows.show()
    expect(created).toHaveLength(1)
    const [window] = created
    expect(window!.loadedUrl).toBe(APP_URL)
    expect(window!.options).toEqual(dashboardWindowOptions(settings))
    expect(window!.visible).toBe(false)
    window!.emit('ready-to-show')
    expect(window!.visible).toBe(true)
    expect(windows.webContents).toBe(window!.webContents)
  })

  test('showing again focuses (and restores) the open window instead of making a second', () => {
    const { windows, created } = open()
    windows.show()
    created[0]!.minimized = true
    windows.show()
    expect(created).toHaveLength(1)
    expect(created[0]!.minimized).toBe(false)
    expect(created[0]!.focusCount).toBe(1)
  })

  test('a closed window is forgotten; the next show makes a new one', () => {
    const { windows, created } = open()
    windows.show()
    created[0]!.close()
    expect(windows.webContents).toBeUndefined()
    windows.show()
    expect(created).toHaveLength(2)
  })
})
