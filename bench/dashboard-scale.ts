/**
 * What the dashboard costs with a big relay: 5,000 real peers and 1,000 real pipes, traffic on 200
 * of the pipes and 20 peers coming and going every second. Measured: the relay's work for one
 * monitoring publish (the relay runs in this process, so the publish is timed on exactly this
 * model) and the dashboard's rendering in Chromium. A bench child process (bundled, plain node);
 * it sends its figures to the orchestrator. What the dashboard must show at this size is tested in
 * test/e2e/dashboard-scale.test.ts.
 */
import type { Page } from 'playwright-core'
import { DashboardExtension } from '../src-main/monitoring/dashboard-extension.js'
import { MonitorFeed } from '../src-main/monitoring/monitor-feed.js'
import { openBrowser } from '../test/e2e/chromium.js'
import { Crowd } from '../test/e2e/crowd.js'
import { startRelay } from '../test/helpers/relay.js'
import { median } from './median.js'

export const SCALE = { peers: 5_000, documents: 500, pipes: 1_000 }
const ACTIVITY = { pipes: 200, bytes: 256, peersPerSecond: 20 }
const PUBLISHES = 30

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/** Milliseconds from `action` (run in the page) until the page has painted the result. */
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
        longestTask: Math.max(0, ...tasks),
        worstFrame: Math.max(0, ...gaps),
        fps: (frames.length - 1) / ((frames.at(-1)! - frames[0]!) / 1000),
      }
    },
    { ms, during },
  )
}

async function publishCost(crowd: Crowd, relay: Awaited<ReturnType<typeof startRelay>>['relay']) {
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
      // What the monitoring feed does once per publish, whatever the number of dashboards.
      bytes += JSON.stringify(feed.advance(relay.snapshot())).length
      costs.push(performance.now() - started)
    }
    return { publishMs: median(costs), updateKiB: bytes / PUBLISHES / 1024, snapshotKiB: JSON.stringify(feed.snapshotMessage()).length / 1024 }
  } finally {
    crowd.stopActivity()
  }
}

async function rendering(crowd: Crowd, port: number) {
  const session = await openBrowser()
  try {
    const { page } = session
    const navigated = performance.now()
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.getByRole('tab', { name: 'Peers 5,000' }).waitFor({ timeout: 30_000 })
    const firstViewMs = performance.now() - navigated
    const openPeersMs = await timeInPage(page, `document.getElementById('tab-peers').click()`)
    await page.getByText('5,000 peers', { exact: true }).waitFor()
    const sortMs = await timeInPage(page, `[...document.querySelectorAll('[role=columnheader] button')].find(b => b.textContent.startsWith('Peer')).click()`)
    const filterStarted = performance.now()
    await page.getByLabel('Filter peers').fill('peer-0012')
    await page.getByText('10 of 5,000 peers', { exact: true }).waitFor()
    const filterMs = performance.now() - filterStarted
    await page.getByLabel('Filter peers').fill('')
    await page.getByText('5,000 peers', { exact: true }).waitFor()
    crowd.startActivity(ACTIVITY)
    await page.waitForTimeout(2_000)
    const live = await watchMainThread(page, 10_000)
    const scrolling = await watchMainThread(page, 3_000, `const t = document.querySelector('[role=table]'); t.scrollTop += 400`)
    const openPipesMs = await timeInPage(page, `document.getElementById('tab-pipes').click()`)
    await page.getByText(/^1,0\d\d pipes$/).waitFor()
    const pipesLive = await watchMainThread(page, 5_000)
    crowd.stopActivity()
    return {
      firstViewMs,
      openPeersMs,
      sortMs,
      filterMs,
      liveLongTasks: live.longTasks,
      liveLongestTaskMs: live.longestTask,
      liveFps: live.fps,
      liveWorstFrameMs: live.worstFrame,
      scrollFps: scrolling.fps,
      scrollWorstFrameMs: scrolling.worstFrame,
      openPipesMs,
      pipesLongestTaskMs: pipesLive.longestTask,
    }
  } finally {
    await session.close()
  }
}

const { relay, port } = await startRelay({ maxPeers: 20_000, maxConnectionsPerAddress: 20_000 })
relay.use(new DashboardExtension(relay))
const crowd = await Crowd.gather(`ws://127.0.0.1:${port}`, SCALE)
try {
  const figures = { ...(await publishCost(crowd, relay)), ...(await rendering(crowd, port)) }
  process.send?.({ figures })
} finally {
  crowd.close()
  await relay.close()
}
