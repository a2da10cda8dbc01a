/**
 * Debian's firefox-esr driven by puppeteer-core over WebDriver BiDi: the second browser engine the
 * tests can run here. Its profile is a folder the test prepares (its NSS database says which
 * certificate authorities it trusts); names are mapped to loopback with a preference, not DNS.
 */
import { existsSync } from 'node:fs'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

export const FIREFOX_PATH = '/usr/bin/firefox-esr'

export interface FirefoxSession {
  browser: Browser
  page: Page
  close(): Promise<void>
}

/** `loopbackNames` resolve to 127.0.0.1 (Firefox cannot map ports, unlike Chromium's host rules). */
export async function openFirefox(profile: string, loopbackNames: string[]): Promise<FirefoxSession> {
  if (!existsSync(FIREFOX_PATH)) throw new Error(`${FIREFOX_PATH} is missing: apt-get install -y firefox-esr (.ci/run does)`)
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: {
      'network.dns.localDomains': loopbackNames.join(','),
      // Nothing of its own on the network: no captive-portal or connectivity probes.
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  })
  const page = await browser.newPage()
  return { browser, page, close: () => browser.close() }
}
