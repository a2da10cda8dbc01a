/**
 * What the dashboard costs with a big relay: 5,000 real peers and 1,000 real pipes, traffic on 200
 * of the pipes and 20 peers coming and going every second. Measured: the relay's work for one
 * monitoring publish, and the dashboard's rendering in Chromium. The relay runs in this process so
 * that its publish can be timed on exactly this model. Prints MEASURED lines; the only assertions
 * are that everything is shown.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DashboardExtension } from '../../src-main/monitoring/dashboard-extension.js'
import { MonitorFeed } from '../../src-main/monitoring/monitor-feed.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { startRelay } from '../helpers/relay.js'
import { openBrowser, screenshot, type BrowserSession } from './chromium.js'
import { Crowd } from './crowd.js'

const SIZE = { peers: 5_000, documents: 500, pipes: 1_000 }
const ACTIVITY = { pipes: 200, bytes: 256, peersPerSecond: 20 }
const PUBLISHES = 30

let relay: RelayServer
let port: number
let crowd: Crowd
let session: BrowserSession
let page: Page

beforeAll(async () => {
  ;({ relay, port } = await startRelay({ maxPeers: 20_000, maxConnectionsPerAddress: 20_000 }))
  relay.use(new DashboardExtension(relay))
  const started = Date.now()
  crowd = await Crowd.gather(`ws://127.0.0.1:${port}`, SIZE)
  console.log(`(${SIZE.peers} peers and ${SIZE.pipes} pipes connected in ${Date.now() - started} ms)`)
  session = await openBrowser()
  page = session.page
}, 90_000)

afterAll(async () => {
  crowd?.close()
  await session?.close()
  await relay?.close()
})

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Milliseconds from `action` (run in the page) until the page has painted the result twice over. */
function timeInPage(page: Page, action: string): Promise<number> {
  return page.evaluate(async script => {
    const start = performance.now()
    new Function(script)()
    await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)))
    return performance.now() - start
  }, action)
}

/** Watches the main thread for `ms`: tasks over 50 ms, and the gaps between animation frames. */
function watchMainThread(page: Page, ms: number, during = ''): Promise<{ longTasks: number; longestTask: number; worstFrame: number; fps: number }> {
  return page.evaluate(
    async ({ ms, during }) => {
      const tasks: number[] = []
      const observer = new PerformanceObserver(list => tasks.push(...list.getEntries().map(entry => entry.duration)))
      observer.observe({ type: 'longtask' })
      const frames: number[] = []
      const started = performance.now()
      let step: (() => void) | undefined = during ? (new Function(during) as () => void) : undefined
      await new Promise<void>(resolve => {
        const frame = (now: number) => {
          frames.push(now)
          step?.()
          if (now - started < ms) requestAnimationFrame(frame)
          else resolve()
        }
        requestAnimationFrame(frame)
      })
      observer.disconnect()
      step = undefined
      const gaps = frames.slice(1).map((at, i) => at - frames[i]!)
      return {
        longTasks: tasks.length,
        longestTask: Math.round(Math.max(0, ...tasks)),
        worstFrame: Math.round(Math.max(0, ...gaps)),
        fps: Math.round((frames.length - 1) / ((frames.at(-1)! - frames[0]!) / 1000)),
      }
    },
    { ms, during },
  )
}

const ms = (n: number) => `${Math.round(n)} ms`

describe('a relay with 5,000 peers and 1,000 pipes', () => {
  it('does the work of one monitoring publish in a few milliseconds', async () => {
    crowd.startActivity(ACTIVITY)
    try {
      const feed = new MonitorFeed()
      feed.advance(relay.snapshot())
      const costs: number[] = []
      let bytes = 0
      for (let i = 0; i < PUBLISHES; i++) {
        // Time passes between publishes, so the traffic and the churn change what is sent.
        await sleep(100)
        const started = performance.now()
        // What MonitorPublisher.publish does once, whatever the number of dashboards.
        const update = JSON.stringify(feed.advance(relay.snapshot()))
        costs.push(performance.now() - started)
        bytes += update.length
      }
      const cost = median(costs)
      const snapshotBytes = JSON.stringify(feed.snapshotMessage()).length
      console.log(
        `MEASURED: one monitoring publish (read the model, diff, serialise) with ${SIZE.peers} peers and ${SIZE.pipes} pipes, ${ACTIVITY.pipes} busy, ${ACTIVITY.peersPerSecond} peers/s churn: ` +
          `${cost.toFixed(1)} ms (median of ${PUBLISHES}), ${Math.round(bytes / PUBLISHES / 1024)} KiB per update, ${Math.round(snapshotBytes / 1024)} KiB for a new dashboard's snapshot; ` +
          `that is ${(cost / 10).toFixed(1)}% of one core at the steady 1 publish/s, at most ${((cost * 2) / 10).toFixed(1)}% at the 2/s cap under churn, and nothing with no dashboard open`,
      )
      expect(bytes).toBeGreaterThan(0)
    } finally {
      crowd.stopActivity()
    }
  }, 30_000)

  it('renders in Chromium, sorts, filters and stays smooth while the relay is busy', async () => {
    const navigated = Date.now()
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.getByRole('tab', { name: 'Peers 5,000' }).waitFor({ timeout: 30_000 })
    const firstView = Date.now() - navigated

    const openPeers = await timeInPage(page, `document.getElementById('tab-peers').click()`)
    await page.getByText('5,000 peers', { exact: true }).waitFor()
    const sort = await timeInPage(page, `[...document.querySelectorAll('[role=columnheader] button')].find(b => b.textContent.startsWith('Peer')).click()`)
    const filterStarted = Date.now()
    await page.getByLabel('Filter peers').fill('peer-0012')
    await page.getByText('10 of 5,000 peers', { exact: true }).waitFor()
    const filter = Date.now() - filterStarted
    await page.getByLabel('Filter peers').fill('')
    await page.getByText('5,000 peers', { exact: true }).waitFor()

    crowd.startActivity(ACTIVITY)
    await page.waitForTimeout(2_000)
    const live = await watchMainThread(page, 10_000)
    const scrolling = await watchMainThread(page, 3_000, `const t = document.querySelector('[role=table]'); t.scrollTop += 400`)
    await screenshot(page, 'scale-peers-5000')

    const openPipes = await timeInPage(page, `document.getElementById('tab-pipes').click()`)
    await page.getByText(/^1,0\d\d pipes$/).waitFor()
    const pipesLive = await watchMainThread(page, 5_000)
    await screenshot(page, 'scale-pipes-1000')
    await page.getByRole('tab', { name: 'Overview' }).click()
    await screenshot(page, 'scale-overview')
    crowd.stopActivity()

    console.log(
      `MEASURED: dashboard rendering with ${SIZE.peers} peers / ${SIZE.pipes} pipes (real sockets, Chromium ${session.browser.version()}, 2 cores shared with the relay and its load): ` +
        `first full view ${ms(firstView)} from navigation; open Peers view ${ms(openPeers)}; sort 5,000 rows ${ms(sort)}; filter ${ms(filter)}; ` +
        `10 s of live updates (200 busy pipes, 20 peers/s churn) on the Peers view: ${live.longTasks} tasks over 50 ms, longest ${live.longestTask} ms, ${live.fps} fps, worst frame ${live.worstFrame} ms; ` +
        `scrolling: ${scrolling.fps} fps, worst frame ${scrolling.worstFrame} ms; open Pipes view ${ms(openPipes)}, 5 s live there: ${pipesLive.longTasks} long tasks, longest ${pipesLive.longestTask} ms`,
    )
    expect(session.problems).toEqual([])
  }, 120_000)
})
