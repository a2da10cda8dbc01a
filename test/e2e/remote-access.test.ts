/**
 * A browser on another host of the LAN (its own network namespace, a real non-loopback address)
 * gets the public page and no peer data without the admin token, and the dashboard with it.
 */
import { pack } from 'msgpackr'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MONITOR_PATH } from '../../shared/monitoring.js'
import { CHROMIUM_PATH, openBrowser, screenshot, type BrowserSession } from './chromium.js'
import { canCreateNamespaces, createTwoHosts, startRelayIn, type NamespacedRelay, type TwoHosts } from './network-namespaces.js'

const TOKEN = 'lan-admin-token-for-tests'
const PEER_ID = 'secret-peer-id'
const DOCUMENT_ID = 'secret-document-id'
const root = canCreateNamespaces()
if (!root) console.warn('remote-access tests NOT RUN: they need root (ip netns) to put the browser on another host')

describe.skipIf(!root)('the dashboard from another host on the LAN', () => {
  let hosts: TwoHosts
  let relay: NamespacedRelay
  let session: BrowserSession
  let page: Page
  let relayOrigin: string

  beforeAll(async () => {
    hosts = createTwoHosts()
    relay = await startRelayIn(hosts.relayNamespace, ['--no-advertise'], { SWITCHBOARD_ADMIN_TOKEN: TOKEN })
    relayOrigin = `${hosts.relayAddress}:${relay.port}`
    session = await openBrowser(hosts.wrapperInLan(CHROMIUM_PATH))
    page = session.page
    // A real peer from the LAN host, so there is peer data to leak.
    const peerPage = await session.context.newPage()
    await peerPage.evaluate(
      async ({ url, join }) => {
        const socket = new WebSocket(url)
        await new Promise(resolve => (socket.onopen = resolve))
        socket.send(new Uint8Array(join))
        Object.assign(window, { peerSocket: socket })
      },
      { url: `ws://${relayOrigin}/introduction/${PEER_ID}`, join: [...pack({ type: 'Join', documentIds: [DOCUMENT_ID] })] },
    )
  }, 40_000)

  afterAll(async () => {
    await session?.close()
    await relay?.stop()
    hosts?.remove()
  })

  it('says on the relay where the dashboard is reachable from other devices', () => {
    expect(relay.stdout()).toContain(`dashboard from other devices: http://${relayOrigin}/ (sign in with the admin token)`)
  })

  it('gets the public page at /: the relay runs, how apps connect, a sign-in form, and no ids', async () => {
    await page.goto(`http://${relayOrigin}/`)
    const text = await page.locator('body').innerText()
    expect(text).toContain('Switchboard relay is running')
    expect(text).toContain(`ws://${relayOrigin}`)
    expect(text).toContain('1 peer connected')
    expect(await page.content()).not.toMatch(/secret-/)
    await page.getByLabel('Admin token').waitFor()
    await screenshot(page, 'remote-public-page')
  })

  it('gets no peer data from the monitoring socket without the token', async () => {
    const probe = await session.context.newPage()
    const outcome = await probe.evaluate(async url => {
      const socket = new WebSocket(url)
      const messages: string[] = []
      let opened = false
      socket.onopen = () => (opened = true)
      socket.onmessage = event => messages.push(String(event.data))
      await new Promise(resolve => {
        socket.onclose = resolve
        setTimeout(resolve, 3_000)
      })
      return { opened, messages }
    }, `ws://${relayOrigin}${MONITOR_PATH}`)
    expect(outcome).toEqual({ opened: false, messages: [] })
    await probe.close()
  })

  it('does not let a wrong token in', async () => {
    await page.getByLabel('Admin token').fill('a wrong guess of the token')
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
    await page.getByRole('alert').getByText(/That is not the admin token/).waitFor()
    expect(await page.content()).not.toMatch(/secret-/)
  })

  it('opens the dashboard with the token and shows the peer, at its LAN address', async () => {
    // A wrong token makes this address wait a second before the next try.
    await page.waitForTimeout(1_100)
    await page.getByLabel('Admin token').fill(TOKEN)
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
    await page.waitForURL(`http://${relayOrigin}/`)
    await page.getByRole('tab', { name: /^Peers/ }).click()
    const row = page.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: PEER_ID })
    await row.waitFor({ timeout: 10_000 })
    // The Device column: the address, after the device's name if a lookup found one.
    expect((await row.getByRole('cell').allTextContents())[1]!.endsWith(hosts.lanAddress)).toBe(true)
    await screenshot(page, 'remote-dashboard-signed-in')
  })

  it('never asked anything of a host other than the relay, and met no error but the refusals above', () => {
    expect(session.requests.filter(url => new URL(url).host !== relayOrigin)).toEqual([])
    const expected = [/WebSocket connection to '.*\/_switchboard\/monitor' failed/, /status of 403 \(Forbidden\)/]
    expect(session.problems.filter(problem => !expected.some(pattern => pattern.test(problem)))).toEqual([])
  })
})
