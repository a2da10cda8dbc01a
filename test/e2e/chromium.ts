/**
 * Debian's Chromium driven by playwright-core, with every request the pages make recorded, so a
 * test can assert that nothing leaves the machine, and every page error or CSP violation kept.
 */
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { REPO_ROOT } from '../helpers/processes.js'

export const CHROMIUM_PATH = '/usr/bin/chromium'
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots')

/** Flags that let Chromium run as root with no network and no background traffic of its own. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface BrowserSession {
  browser: Browser
  context: BrowserContext
  page: Page
  /** Every URL any page asked for: HTTP requests and WebSocket connections. */
  requests: string[]
  /** Page errors and console errors (CSP violations are reported there). */
  problems: string[]
  close(): Promise<void>
}

export interface LaunchOptions {
  /** Flags beyond the defaults, e.g. `--host-resolver-rules=...`. */
  args?: string[]
  /** The environment Chromium gets (default: ours); its HOME holds the NSS database it trusts. */
  env?: NodeJS.ProcessEnv
}

/** `executablePath` lets a test start Chromium through a wrapper, e.g. inside a network namespace. */
export async function openBrowser(executablePath = CHROMIUM_PATH, options: LaunchOptions = {}): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (.ci/run does)`)
  const browser = await chromium.launch({ executablePath, args: [...FLAGS, ...(options.args ?? [])], ...(options.env ? { env: options.env } : {}) })
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
  const requests: string[] = []
  const problems: string[] = []
  const watch = (page: Page) => {
    page.on('request', request => requests.push(request.url()))
    page.on('websocket', socket => requests.push(socket.url()))
    page.on('pageerror', error => problems.push(`page error: ${error.message}`))
    page.on('console', message => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`)
    })
  }
  context.on('page', watch)
  const page = await context.newPage()
  return { browser, context, page, requests, problems, close: () => browser.close() }
}

/** Saves a PNG under test-results/screenshots/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const file = path.join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path: file })
  return file
}
