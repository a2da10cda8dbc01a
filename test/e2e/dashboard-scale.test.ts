/**
 * The dashboard with a big relay: 5,000 real peers and 1,000 real pipes, traffic on 200 of the
 * pipes and 20 peers coming and going every second. Everything is shown, sorting and filtering work
 * at that size, and the page reports no problem. How long each of those takes, and what one
 * monitoring publish costs the relay, is measured by `npm run bench` (bench/dashboard-scale.ts).
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DashboardExtension } from '../../src-main/monitoring/dashboard-extension.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { startRelay } from '../helpers/relay.js'
import { openBrowser, screenshot, type BrowserSession } from './chromium.js'
import { Crowd } from './crowd.js'

const SIZE = { peers: 5_000, documents: 500, pipes: 1_000 }
const ACTIVITY = { pipes: 200, bytes: 256, peersPerSecond: 20 }

let relay: RelayServer
let port: number
let crowd: Crowd
let session: BrowserSession
let page: Page

beforeAll(async () => {
  ;({ relay, port } = await startRelay({ maxPeers: 20_000, maxConnectionsPerAddress: 20_000 }))
  relay.use(new DashboardExtension(relay))
  crowd = await Crowd.gather(`ws://127.0.0.1:${port}`, SIZE)
  session = await openBrowser()
  page = session.page
}, 90_000)

afterAll(async () => {
  crowd?.close()
  await session?.close()
  await relay?.close()
})

describe('a relay with 5,000 peers and 1,000 pipes', () => {
  it('the dashboard shows every peer and pipe, sorts and filters them, and stays free of errors while the relay is busy', async () => {
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.getByRole('tab', { name: 'Peers 5,000' }).waitFor({ timeout: 30_000 })
    await page.locator('#tab-peers').click()
    await page.getByText('5,000 peers', { exact: true }).waitFor()
    await page.getByRole('columnheader').getByRole('button', { name: /^Peer/ }).first().click()
    await page.getByLabel('Filter peers').fill('peer-0012')
    await page.getByText('10 of 5,000 peers', { exact: true }).waitFor()
    await page.getByLabel('Filter peers').fill('')
    await page.getByText('5,000 peers', { exact: true }).waitFor()

    crowd.startActivity(ACTIVITY)
    try {
      await screenshot(page, 'scale-peers-5000')
      await page.locator('#tab-pipes').click()
      await page.getByText(/^1,0\d\d pipes$/).waitFor()
      await screenshot(page, 'scale-pipes-1000')
      await page.getByRole('tab', { name: 'Overview' }).click()
      await screenshot(page, 'scale-overview')
    } finally {
      crowd.stopActivity()
    }
    expect(session.problems).toEqual([])
  }, 120_000)
})
