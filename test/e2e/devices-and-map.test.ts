/**
 * The Devices and Map views in real Chromium against the real headless relay, with peers from
 * several loopback addresses (127.0.0.2, ...) standing for devices on a LAN, some named by the
 * header lan-client sends; and every view in a 400 px tray window and at 1280 px, light and dark,
 * without sideways scrolling. Screenshots in test-results/screenshots/.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_NAME_HEADER, DEVICE_NAME_PATH, encodeDeviceName } from '@switchboard/lan-mdns/relay-service'
import { httpRequest } from '../dashboard/monitor-client.js'
import { killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { RawPeer } from '../helpers/relay.js'
import { openBrowser, screenshot, type BrowserSession } from './chromium.js'

/** address, name (none: shown by its address), its peers and the documents they join. */
const DEVICES = [
  { address: '127.0.0.2', name: 'anna-laptop', peers: { 'anna-notes': ['groceries', 'holiday-plans'], 'anna-tasks': ['q3-budget'] } },
  { address: '127.0.0.3', name: 'Bob’s phone', peers: { 'bob-notes': ['groceries'] } },
  { address: '127.0.0.4', name: undefined, peers: { 'k3f9': ['holiday-plans'] } },
  { address: '127.0.0.5', name: 'studio-imac', peers: { 'studio-1': ['q3-budget', 'groceries'] } },
] as const
/** Live pipes: [peer, its device's address, other peer, its device's address, document]. */
const PIPES = [
  ['anna-notes', '127.0.0.2', 'bob-notes', '127.0.0.3', 'groceries'],
  ['anna-notes', '127.0.0.2', 'k3f9', '127.0.0.4', 'holiday-plans'],
  ['anna-tasks', '127.0.0.2', 'studio-1', '127.0.0.5', 'q3-budget'],
] as const
const VIEWS = ['overview', 'devices', 'peers', 'documents', 'pipes', 'map', 'events'] as const

let relay: CliRelay
let session: BrowserSession
let page: Page
const sockets: RawPeer[] = []
const socketsOf = new Map<string, RawPeer[]>()
/** Opens a socket from a device's address, keeping it under that address so the device can leave. */
function fromDevice(path: string, address: string): RawPeer {
  const peer = new RawPeer(`${relay.url}${path}`, { localAddress: address })
  sockets.push(peer)
  socketsOf.set(address, [...(socketsOf.get(address) ?? []), peer])
  return peer
}
let traffic: NodeJS.Timeout | undefined

beforeAll(async () => {
  relay = await startCliRelay(['--no-advertise'])
  for (const device of DEVICES) {
    if (device.name) {
      const reply = await httpRequest(relay.port, { method: 'POST', path: DEVICE_NAME_PATH, headers: { [DEVICE_NAME_HEADER]: encodeDeviceName(device.name) }, localAddress: device.address })
      expect(reply.status).toBeLessThan(300)
    }
    for (const [peerId, documentIds] of Object.entries(device.peers)) {
      const peer = fromDevice(`/introduction/${peerId}`, device.address)
      await peer.opened
      peer.sendControl({ type: 'Join', documentIds })
    }
  }
  const senders: RawPeer[] = []
  for (const [a, aAddress, b, bAddress, document] of PIPES) {
    const ends = [fromDevice(`/connection/${a}/${b}/${document}`, aAddress), fromDevice(`/connection/${b}/${a}/${document}`, bAddress)]
    await Promise.all(ends.map(end => end.opened))
    senders.push(ends[0]!)
  }
  // Data keeps flowing on the first pipe only, so one line is wide and the others thin.
  traffic = setInterval(() => senders[0]!.send(Buffer.alloc(4_000)), 100)
  session = await openBrowser()
  page = session.page
  await page.goto(`http://127.0.0.1:${relay.port}/#devices`)
}, 30_000)

afterAll(async () => {
  clearInterval(traffic)
  for (const socket of sockets) socket.socket.terminate()
  await session?.close()
  await killLeftoverCliProcesses()
})

const devicesTable = () => page.getByRole('treegrid', { name: 'Devices connected' })

describe('devices and the map in Chromium', () => {
  it('lists each device by name (the address while it has none) with its apps, and opens one from the keyboard', async () => {
    await page.getByRole('tab', { name: 'Devices 4' }).waitFor()
    for (const label of ['anna-laptop', 'Bob’s phone', '127.0.0.4', 'studio-imac']) await devicesTable().getByRole('row').filter({ hasText: label }).first().waitFor()
    const anna = devicesTable().getByRole('row').filter({ hasText: 'anna-laptop' })
    await expect.poll(async () => (await anna.getByRole('gridcell').allTextContents()).slice(1, 4), { timeout: 10_000 }).toEqual(['2', '3', '3'])
    // The busiest come first: the two ends of the pipe that carries data, then the quiet ones.
    const firstTwo = async () => [(await devicesTable().getByRole('row').nth(1).textContent()) ?? '', (await devicesTable().getByRole('row').nth(2).textContent()) ?? '']
    await expect.poll(async () => (await firstTwo()).map(text => (text.includes('anna-laptop') ? 'anna' : text.includes('Bob’s phone') ? 'bob' : text)).sort(), { timeout: 10_000 }).toEqual(['anna', 'bob'])
    await page.getByRole('button', { name: 'Show the apps on anna-laptop' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: 'Hide the apps on anna-laptop' }).waitFor()
    const apps = devicesTable().getByRole('row').filter({ hasText: /^(anna-notes|anna-tasks)/ })
    await expect.poll(() => apps.count()).toBe(2)
    expect(await apps.evaluateAll(rows => rows.map(row => row.getAttribute('aria-level')))).toEqual(['2', '2'])
    await screenshot(page, 'devices-1280-light')
  })

  it('names devices beside peer ids in the peers and pipes views', async () => {
    await page.getByRole('tab', { name: /^Peers/ }).click()
    await page.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: 'bob-notes' }).filter({ hasText: 'Bob’s phone' }).waitFor()
    await page.getByRole('tab', { name: /^Pipes/ }).click()
    await page.getByRole('table', { name: 'Pipes' }).getByRole('row').filter({ hasText: 'anna-notesanna-laptop' }).first().waitFor()
  })

  it('draws the map: a hub per document, a node per device, the busy pipe wider than the quiet ones, and the same as a table', async () => {
    await page.getByRole('tab', { name: 'Map' }).click()
    await page.getByRole('img', { name: 'Map of 4 devices on 3 documents; the list below says the same.' }).waitFor()
    expect(await page.locator('svg.topology g.hub').count()).toBe(3)
    expect(await page.locator('svg.topology g.device').count()).toBe(4)
    await page.locator('line.edge.flowing').first().waitFor({ timeout: 10_000 })
    const widths = await page.locator('line.edge').evaluateAll(lines => lines.map(line => Number(line.getAttribute('stroke-width'))))
    expect(Math.max(...widths)).toBeGreaterThan(Math.min(...widths))
    const list = page.getByRole('region', { name: 'Who shares what' })
    await list.getByRole('row').filter({ hasText: 'groceries' }).filter({ hasText: 'anna-laptop (1 live pipe)' }).waitFor()
    // Keyboard users reach the list: it takes focus.
    await list.focus()
    expect(await list.evaluate(element => element === document.activeElement)).toBe(true)
    // Nodes stay put while traffic updates arrive.
    const positions = () => page.locator('svg.topology g.device').evaluateAll(nodes => nodes.map(node => node.getAttribute('transform')))
    const before = await positions()
    await page.waitForFunction(() => document.querySelectorAll('line.edge.flowing').length > 0)
    await new Promise(resolve => setTimeout(resolve, 1_500))
    expect(await positions()).toEqual(before)
    await screenshot(page, 'map-1280-light')
  })

  it('moves a device that leaves to Recently seen, with its apps', async () => {
    await page.getByRole('tab', { name: /^Devices/ }).click()
    await Promise.all(socketsOf.get('127.0.0.4')!.map(peer => peer.close()))
    await page.getByRole('tab', { name: 'Devices 3' }).waitFor()
    const recent = page.getByRole('treegrid', { name: 'Devices seen recently' })
    const gone = recent.getByRole('row').filter({ hasText: '127.0.0.4' })
    await gone.waitFor({ timeout: 10_000 })
    // By its address, or by a name the relay's reverse lookup found for it meanwhile.
    await gone.getByRole('button', { name: /^Show the apps seen on / }).click()
    await recent.getByRole('row').filter({ hasText: /^k3f9/ }).waitFor()
  })

  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [400, 1280]) {
      it(`at ${width} px, ${scheme}: no view scrolls sideways`, async () => {
        await page.emulateMedia({ colorScheme: scheme })
        await page.setViewportSize({ width, height: 760 })
        const overflowing: string[] = []
        for (const view of VIEWS) {
          await page.evaluate(name => (window.location.hash = name), view)
          await page.locator(`#tab-${view}[aria-selected="true"]`).waitFor()
          if (view === 'devices') await page.getByRole('treegrid', { name: 'Devices seen recently' }).getByRole('row').nth(1).waitFor()
          // Every scroll box, the page's own included, is checked: a table that scrolls sideways inside the page counts too.
          const wide = await page.evaluate(() =>
            [document.documentElement, ...document.querySelectorAll<HTMLElement>('.panel, .table, .topology-list, .tabs, .top')]
              .filter(element => element.scrollWidth > element.clientWidth)
              .map(element => `${element.className || element.tagName}: ${element.scrollWidth} > ${element.clientWidth}`),
          )
          overflowing.push(...wide.map(text => `${view}: ${text}`))
          await screenshot(page, `view-${view}-${width}-${scheme}`)
        }
        expect(overflowing).toEqual([])
      })
    }
  }
})
