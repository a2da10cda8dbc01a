/**
 * What the Map tab costs at the size it is built for: 50 devices (loopback addresses 127.0.1.1 to
 * 127.0.1.50, three peers each) sharing 100 documents over 100 live pipes, with traffic on every
 * pipe changing once a second, so the dashboard gets an update about every second. Measured in
 * Chromium with the Map tab open: each update's work (from the feed message to the end of the
 * task that applied and rendered it) and the gaps between animation frames. A bench child
 * process; it sends its figures to the orchestrator.
 */
import { DashboardExtension } from '../src-main/monitoring/dashboard-extension.js'
import { openBrowser } from '../test/e2e/chromium.js'
import { DeviceCrowd } from '../test/e2e/device-crowd.js'
import { startRelay } from '../test/helpers/relay.js'

export const MAP_SCALE = { devices: 50, peersPerDevice: 3, documents: 100 }
const WATCH_MS = 20_000

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

const { relay, url, port } = await startRelay({ maxConnectionsPerAddress: 20_000, connectionsPerAddressPerSecond: 20_000 })
relay.use(new DashboardExtension(relay))
const crowd = await DeviceCrowd.gather(url, MAP_SCALE)
try {
  crowd.startTraffic()
  const session = await openBrowser()
  try {
    const { page } = session
    await page.addInitScript(() => {
      const updates: number[] = []
      ;(window as unknown as { __updates: number[] }).__updates = updates
      const Original = window.WebSocket
      // Listens before the dashboard does, so the time starts when the message arrives; the timeout
      // runs once that task, and the render it triggered, are over.
      window.WebSocket = class extends Original {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols)
          this.addEventListener('message', () => {
            const at = performance.now()
            setTimeout(() => updates.push(performance.now() - at), 0)
          })
        }
      }
    })
    await page.goto(`http://127.0.0.1:${port}/#map`)
    await page.getByRole('img', { name: /^Map of 50 devices on 100 documents/ }).waitFor({ timeout: 30_000 })
    await page.waitForTimeout(2_000)
    const watched = await page.evaluate(async ms => {
      const updates = (window as unknown as { __updates: number[] }).__updates
      updates.length = 0
      const frames: number[] = []
      const started = performance.now()
      await new Promise<void>(resolve => {
        const frame = (now: number) => {
          frames.push(now)
          if (now - started < ms) requestAnimationFrame(frame)
          else resolve()
        }
        requestAnimationFrame(frame)
      })
      return { updates: [...updates], gaps: frames.slice(1).map((at, i) => at - frames[i]!) }
    }, WATCH_MS)
    const counts = await page.evaluate(() => ({ hubs: document.querySelectorAll('g.hub').length, devices: document.querySelectorAll('g.device').length, lines: document.querySelectorAll('line.edge').length }))
    process.send?.({
      figures: {
        mapDevices: counts.devices,
        mapHubs: counts.hubs,
        mapLines: counts.lines,
        mapUpdates: watched.updates.length,
        mapUpdateP50Ms: percentile(watched.updates, 50),
        mapUpdateP99Ms: percentile(watched.updates, 99),
        mapUpdateMaxMs: Math.max(...watched.updates),
        mapFrameP50Ms: percentile(watched.gaps, 50),
        mapFrameP99Ms: percentile(watched.gaps, 99),
        mapFrameMaxMs: Math.max(...watched.gaps),
        // A gap of more than one and a half 60 Hz frames is a frame that was not drawn in time.
        mapFramesDropped: watched.gaps.filter(gap => gap > 25).length,
        mapFrames: watched.gaps.length,
      },
    })
  } finally {
    await session.close()
  }
} finally {
  crowd.close()
  await relay.close()
}
