/**
 * The Map tab at and past the size it is built for, in Chromium against the bundled relay: 60
 * devices (loopback addresses) on 120 documents, traffic changing every second. The busiest 50 and
 * 100 are drawn, the rest counted; no two nodes overlap; nothing moves while updates arrive.
 * Screenshots in test-results/screenshots/.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { openBrowser, screenshot, type BrowserSession } from './chromium.js'
import { DeviceCrowd } from './device-crowd.js'

let relay: CliRelay
let crowd: DeviceCrowd
let session: BrowserSession
let page: Page

beforeAll(async () => {
  relay = await startCliRelay(['--no-advertise'])
  crowd = await DeviceCrowd.gather(relay.url, { devices: 60, peersPerDevice: 3, documents: 120 })
  crowd.startTraffic()
  session = await openBrowser()
  page = session.page
  await page.goto(`http://127.0.0.1:${relay.port}/#map`)
}, 60_000)

afterAll(async () => {
  crowd?.close()
  await session?.close()
  await killLeftoverCliProcesses()
})

/** Centre and radius of every node, in page pixels. */
const nodes = () =>
  page.locator('svg.topology g.hub circle, svg.topology g.device circle').evaluateAll(circles =>
    circles.map(circle => {
      const box = circle.getBoundingClientRect()
      return { x: box.x + box.width / 2, y: box.y + box.height / 2, r: box.width / 2, hub: circle.parentElement!.classList.contains('hub') }
    }),
  )

describe('the map with more devices and documents than it draws', () => {
  it('draws the busiest 50 devices and 100 documents and counts the rest', async () => {
    await page.getByRole('img', { name: 'Map of 60 devices on 120 documents; the list below says the same.' }).waitFor({ timeout: 30_000 })
    await expect.poll(() => page.locator('svg.topology g.device').count(), { timeout: 10_000 }).toBe(50)
    expect(await page.locator('svg.topology g.hub').count()).toBe(100)
    expect(await page.locator('.topology-view .summary').textContent()).toBe('60 devices on 120 documents · +10 more devices, +20 more documents (the busiest are shown)')
    expect(await page.getByRole('region', { name: 'Who shares what' }).getByRole('row').count()).toBe(101)
  })

  it('overlaps no node with another, keeps every node inside the picture, and neither moves nor swaps nodes while traffic updates arrive', async () => {
    await page.locator('line.edge.flowing').first().waitFor({ timeout: 10_000 })
    const placed = await nodes()
    const clashes: string[] = []
    for (let i = 0; i < placed.length; i++) {
      for (let j = i + 1; j < placed.length; j++) {
        const [a, b] = [placed[i]!, placed[j]!]
        if (Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r) clashes.push(`${i} and ${j}`)
      }
    }
    expect(clashes).toEqual([])
    const frame = (await page.locator('svg.topology').boundingBox())!
    expect(placed.every(node => node.x - node.r >= frame.x && node.x + node.r <= frame.x + frame.width && node.y - node.r >= frame.y && node.y + node.r <= frame.y + frame.height)).toBe(true)
    const transforms = () =>
      page.locator('svg.topology g[data-id]').evaluateAll(groups => Object.fromEntries(groups.map(group => [group.getAttribute('data-id'), group.getAttribute('transform')])))
    const before = await transforms()
    const widths = () => page.locator('line.edge').evaluateAll(lines => lines.map(line => line.getAttribute('stroke-width')).join())
    const widthsBefore = await widths()
    // Wait for an update that changed the traffic, then compare.
    await expect.poll(widths, { timeout: 10_000 }).not.toBe(widthsBefore)
    expect(await transforms()).toEqual(before)
    await screenshot(page, 'map-60-devices-1280-light')
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.setViewportSize({ width: 400, height: 760 })
    await screenshot(page, 'map-60-devices-400-dark')
  })
})
