/**
 * The dashboard in real Chromium against the real headless relay (the CLI, as `npm start` runs it)
 * with real peers: the published Client and raw WebSockets.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompatRig, type TrackedClient } from '../helpers/clients.js'
import { killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { openPeer } from '../helpers/relay.js'
import { openBrowser, screenshot, type BrowserSession } from './chromium.js'

let relay: CliRelay
let dashboardUrl: string
let session: BrowserSession
let page: Page
const rig = new CompatRig()
let alice: TrackedClient
let bob: TrackedClient

beforeAll(async () => {
  relay = await startCliRelay(['--no-advertise'])
  // The URL exactly as the CLI prints it for a person to open.
  const line = await relay.cli.waitForLine(/^ {2}dashboard: /)
  dashboardUrl = line.trim().split(' ')[1]!
  session = await openBrowser()
  page = session.page
  await page.goto(dashboardUrl)
}, 30_000)

afterAll(async () => {
  await session?.close()
  await rig.cleanup()
  await killLeftoverCliProcesses()
})

const table = (name: string) => page.getByRole('table', { name })
const row = (tableName: string, text: string) => table(tableName).getByRole('row').filter({ hasText: text })
const openView = (name: RegExp) => page.getByRole('tab', { name }).click()

/** Text of a row's cells, once `check` accepts them. */
async function waitForRow(tableName: string, text: string, check: (cells: string[]) => boolean = () => true): Promise<string[]> {
  let cells: string[] = []
  const deadline = Date.now() + 10_000
  for (;;) {
    const found = row(tableName, text)
    if ((await found.count()) === 1) {
      cells = await found.getByRole('cell').allTextContents()
      if (check(cells)) return cells
    }
    if (Date.now() > deadline) throw new Error(`no row with ${text} in ${tableName} passed the check; last: ${JSON.stringify(cells)}`)
    await page.waitForTimeout(100)
  }
}

describe('the dashboard in Chromium, on a running headless relay', () => {
  it('is what the CLI prints, and shows the relay running with its address, a QR code and live counts', async () => {
    expect(dashboardUrl).toBe(`http://127.0.0.1:${relay.port}/`)
    await page.getByRole('banner').getByText('Running').waitFor()
    await page.getByText(`ws://127.0.0.1:${relay.port}`, { exact: true }).waitFor()
    await page.getByRole('img', { name: `QR code for ws://127.0.0.1:${relay.port}` }).waitFor()
    await page.getByRole('tab', { name: 'Peers 0' }).waitFor()
    await screenshot(page, 'dashboard-overview-empty')
  })

  it('shows peers as they connect: the published Client, with their address and documents', async () => {
    alice = rig.client(relay.url, 'alice-laptop', ['groceries'])
    bob = rig.client(relay.url, 'bob-phone', ['groceries', 'holiday-plans'])
    await alice.waitForPipe('bob-phone', 'groceries')
    await openView(/^Peers/)
    // The Device column: the address, after the device's name once a lookup found one.
    await waitForRow('Peers', 'alice-laptop', cells => cells[1]!.endsWith('127.0.0.1') && cells[3] === '1' && cells[4] === '1')
    await waitForRow('Peers', 'bob-phone', cells => cells[3] === '2')
    await page.getByRole('tab', { name: 'Peers 2' }).waitFor()
    await screenshot(page, 'dashboard-peers')
  })

  it('shows the pipe between them carrying traffic: bytes and messages each way, and a current rate', async () => {
    const toBob = alice.pipe('bob-phone', 'groceries')!.socket
    const toAlice = bob.pipe('alice-laptop', 'groceries')!.socket
    for (let i = 0; i < 20; i++) toBob.send(new Uint8Array(1_000))
    toAlice.send('thanks')
    // A steady trickle, so the current rate is not zero when the page samples it.
    const trickle = setInterval(() => toBob.send(new Uint8Array(1_000)), 20)
    try {
      await openView(/^Pipes/)
      const cells = await waitForRow('Pipes', 'alice-laptop', cells => /[1-9]/.test(cells[6]!.split('/')[0]! + cells[6]!.split('/')[1]!))
      expect(cells.slice(0, 4)).toEqual(['groceries', ...cells.slice(1, 3), 'live'])
      // Each peer id, followed by its device's name once one is known.
      const peerIds = cells.slice(1, 3).map(cell => cell.replace(/^(alice-laptop|bob-phone).*$/, '$1'))
      expect([...peerIds].sort()).toEqual(['alice-laptop', 'bob-phone'])
      const aliceFirst = peerIds[0] === 'alice-laptop'
      const [fromAlice, fromBob] = aliceFirst ? [cells[4]!, cells[5]!] : [cells[5]!, cells[4]!]
      expect(fromAlice).toMatch(/ kB · \d+ msg$/)
      expect(Number(/(\d+) msg/.exec(fromAlice)![1])).toBeGreaterThanOrEqual(20)
      expect(fromBob).toBe('6 B · 1 msg')
      await screenshot(page, 'dashboard-pipes')
      await openView(/^Overview/)
      await page.getByRole('img', { name: /Throughput over the last two minutes: now [1-9]/ }).waitFor({ timeout: 10_000 })
      await screenshot(page, 'dashboard-overview-traffic')
      await page.emulateMedia({ colorScheme: 'dark' })
      await screenshot(page, 'dashboard-overview-dark')
      await page.emulateMedia({ colorScheme: 'light' })
    } finally {
      clearInterval(trickle)
    }
  })

  it('takes away a peer that leaves', async () => {
    const carol = rig.client(relay.url, 'carol-tablet', ['holiday-plans'])
    await openView(/^Peers/)
    await waitForRow('Peers', 'carol-tablet')
    await carol.waitForPipe('bob-phone', 'holiday-plans')
    carol.client.disconnectServer()
    await row('Peers', 'carol-tablet').waitFor({ state: 'detached', timeout: 10_000 })
    await page.getByRole('tab', { name: 'Peers 2' }).waitFor()
  })

  it('disconnects a real peer after confirmation, which its socket sees as 4001', async () => {
    const dave = await openPeer(relay.url, '/introduction/dave-desktop')
    dave.sendControl({ type: 'Join', documentIds: ['groceries'] })
    await waitForRow('Peers', 'dave-desktop')
    await page.getByRole('button', { name: 'Disconnect peer dave-desktop' }).click()
    const dialog = page.getByRole('alertdialog', { name: 'Disconnect this peer?' })
    await dialog.waitFor()
    await screenshot(page, 'dashboard-confirm-disconnect')
    await dialog.getByRole('button', { name: 'Disconnect' }).click()
    await page.getByRole('status').getByText('Disconnected peer dave-desktop').waitFor()
    await dave.closed
    expect([dave.closeCode, dave.closeReason]).toEqual([4001, 'closed by the relay admin'])
    await row('Peers', 'dave-desktop').waitFor({ state: 'detached' })
  })

  it('closes a live pipe after confirmation, and the event log shows it with its close code', async () => {
    await openView(/^Pipes/)
    const pipeRow = row('Pipes', 'alice-laptop').filter({ hasText: 'groceries' }).filter({ hasText: 'live' }).first()
    await pipeRow.getByRole('button', { name: /^Close pipe/ }).click()
    await page.getByRole('alertdialog', { name: 'Close this pipe?' }).getByRole('button', { name: 'Close pipe' }).click()
    await page.getByRole('status').getByText(/^Closed pipe \d+$/).waitFor()
    await openView(/^Events/)
    await page.getByLabel('Pipes', { exact: true }).check()
    await waitForRow('Event log', 'closed by the relay admin', cells => cells[1] === 'pipe closed' && cells[5] === '4001')
    await page.getByLabel('All', { exact: true }).check()
    await screenshot(page, 'dashboard-events')
  })

  it('never asked anything of a host other than the relay, and raised no error or CSP violation', async () => {
    const relayHost = `127.0.0.1:${relay.port}`
    expect(session.requests.length).toBeGreaterThan(3)
    const elsewhere = session.requests.filter(url => new URL(url).host !== relayHost)
    expect(elsewhere).toEqual([])
    expect(session.requests).toContain(`ws://${relayHost}/_switchboard/monitor`)
    expect(session.problems).toEqual([])
  })
})
