/**
 * Who gets the dashboard and its data, over real sockets on loopback. Requests from another
 * machine are exercised for real in test/e2e/remote-access.test.ts (network namespaces); here a
 * forged Host or Origin header plays the web page that tries to reach a relay on this machine.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DASHBOARD_PREFIX, MONITOR_PATH, SIGN_IN_PATH } from '../../shared/monitoring.js'
import { DashboardExtension } from '../../src-main/monitoring/dashboard-extension.js'
import type { DashboardFile } from '../../src-main/monitoring/dashboard-files.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { openPeer, startRelay, type RawPeer } from '../helpers/relay.js'
import { MonitorClient, httpRequest } from './monitor-client.js'

const TOKEN = 'correct horse battery staple'
const INDEX = '<!doctype html><title>Switchboard</title><div id="root"></div>'
const files = new Map<string, DashboardFile>([
  ['/', { body: Buffer.from(INDEX), contentType: 'text/html; charset=utf-8', immutable: false }],
  [`${DASHBOARD_PREFIX}assets/app-1234.js`, { body: Buffer.from('console.log(1)'), contentType: 'text/javascript; charset=utf-8', immutable: true }],
])

let relay: RelayServer
let url: string
let port: number
let alice: RawPeer
const monitors: MonitorClient[] = []

async function start(adminToken?: string): Promise<void> {
  ;({ relay, url, port } = await startRelay())
  relay.use(new DashboardExtension(relay, { files, ...(adminToken ? { adminToken } : {}) }))
  alice = await openPeer(url, '/introduction/secret-alice')
  alice.sendControl({ type: 'Join', documentIds: ['secret-document'] })
}

function monitor(headers: Record<string, string> = {}, origin?: string): MonitorClient {
  const client = new MonitorClient(url, { headers, ...(origin ? { origin } : {}) })
  monitors.push(client)
  return client
}

afterEach(async () => {
  for (const client of monitors.splice(0)) client.socket.terminate()
  alice.socket.terminate()
  await relay.close()
})

/** Nothing a visitor without access receives may name a peer or a document. */
const expectNoIds = (text: string) => expect(text).not.toMatch(/secret-alice|secret-document/)

describe('on this machine', () => {
  beforeEach(() => start(TOKEN))

  it('serves the dashboard at / with a CSP that allows only the relay itself', async () => {
    const page = await httpRequest(port, { headers: { Host: `127.0.0.1:${port}` } })
    expect(page.status).toBe(200)
    expect(page.body).toBe(INDEX)
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
    expect((await httpRequest(port, { headers: { Host: `localhost:${port}` } })).body).toBe(INDEX)
  })

  it('serves the bundle to anyone (it holds code, no data), cached for good; unknown assets are 404', async () => {
    const asset = await httpRequest(port, { path: `${DASHBOARD_PREFIX}assets/app-1234.js`, headers: { Host: 'elsewhere.example' } })
    expect([asset.status, asset.body, asset.headers['cache-control']]).toEqual([200, 'console.log(1)', 'public, max-age=31536000, immutable'])
    expect((await httpRequest(port, { path: `${DASHBOARD_PREFIX}assets/nothing.js` })).status).toBe(404)
  })

  it('leaves the relay its own routes', async () => {
    expect((await httpRequest(port, { path: '/health' })).status).toBe(200)
    expect((await httpRequest(port, { method: 'POST', body: 'x' })).status).toBe(405)
  })

  it('keeps its paths under a prefix the wire protocol never uses', async () => {
    expect([MONITOR_PATH, SIGN_IN_PATH].every(path => path.startsWith(DASHBOARD_PREFIX))).toBe(true)
    const client = monitor()
    await client.opened
    expect(relay.snapshot().totals.refusalsByKind.unknownPath).toBeUndefined()
  })

  it('answers the monitoring socket', async () => {
    const client = monitor()
    await client.waitFor(state => state.peers.has('secret-alice'), 'the peer list')
  })

  it('treats a page that reached the relay under a foreign name (DNS rebinding) as a visitor from elsewhere', async () => {
    const page = await httpRequest(port, { headers: { Host: `rebound.example:${port}` } })
    expect(page.status).toBe(200)
    expect(page.body).toMatch(/Switchboard relay is running/)
    expectNoIds(page.body)
    const client = monitor({ Host: `rebound.example:${port}` })
    await client.closed
    expect(client.refusedStatus).toBe(403)
    expect(client.messages).toEqual([])
  })

  it('refuses the monitoring socket to a page of another origin', async () => {
    const client = monitor({}, 'http://evil.example')
    await client.closed
    expect(client.refusedStatus).toBe(403)
    const sameOrigin = monitor({}, `http://127.0.0.1:${port}`)
    await sameOrigin.opened
  })
})

describe('with the admin token', () => {
  beforeEach(() => start(TOKEN))
  const elsewhere = () => ({ Host: `relay.example:${port}` })

  it('lets a script in with Authorization: Bearer <token>, and only with the right one', async () => {
    const wrong = monitor({ ...elsewhere(), Authorization: 'Bearer not the token at all' })
    await wrong.closed
    expect(wrong.refusedStatus).toBe(403)
    const right = monitor({ ...elsewhere(), Authorization: `Bearer ${TOKEN}` })
    await right.waitFor(state => state.peers.has('secret-alice'), 'the peer list')
  })

  it('signs a browser in: a wrong token waits, the right one sets a session cookie that opens the page and the socket', async () => {
    const form = await httpRequest(port, { headers: elsewhere() })
    expect(form.body).toContain(`<form method="post" action="${SIGN_IN_PATH}">`)
    expectNoIds(form.body)

    const post = (token: string) =>
      httpRequest(port, { method: 'POST', path: SIGN_IN_PATH, headers: { ...elsewhere(), 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() })
    const crossSite = await httpRequest(port, { method: 'POST', path: SIGN_IN_PATH, headers: { ...elsewhere(), Origin: 'http://evil.example' }, body: `token=${TOKEN}` })
    expect([crossSite.status, crossSite.headers['set-cookie']]).toEqual([403, undefined])
    const wrong = await post('guess')
    expect([wrong.status, wrong.headers['retry-after'], wrong.headers['set-cookie']]).toEqual([403, '1', undefined])
    expect(wrong.body).toContain('That is not the admin token. Try again in 1 s.')
    expectNoIds(wrong.body)
    // Even the right token waits out the penalty.
    expect((await post(TOKEN)).status).toBe(403)
    await new Promise(resolve => setTimeout(resolve, 1_100))

    const right = await post(TOKEN)
    expect([right.status, right.headers.location]).toEqual([303, '/'])
    const cookie = right.headers['set-cookie']![0]!
    expect(cookie).toMatch(/^switchboard_admin=[\w-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/)
    expect(cookie).not.toContain(TOKEN)
    const session = cookie.split(';')[0]!

    expect((await httpRequest(port, { headers: { ...elsewhere(), Cookie: session } })).body).toBe(INDEX)
    const client = monitor({ ...elsewhere(), Cookie: session }, `http://relay.example:${port}`)
    await client.waitFor(state => state.peers.has('secret-alice'), 'the peer list')
    const forged = monitor({ ...elsewhere(), Cookie: 'switchboard_admin=forged' })
    await forged.closed
    expect(forged.refusedStatus).toBe(403)
  })
})

describe('without an admin token', () => {
  beforeEach(() => start())

  it('tells visitors from elsewhere that the dashboard opens on the relay machine only', async () => {
    const page = await httpRequest(port, { headers: { Host: `relay.example:${port}` } })
    expect(page.body).toContain(`opens on the relay's own machine, at <code>http://localhost:${port}/</code>`)
    expect(page.body).not.toContain('<form')
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[\w+/=]+'; /)
    expectNoIds(page.body)
    const client = monitor({ Host: `relay.example:${port}`, Authorization: 'Bearer anything-at-all' })
    await client.closed
    expect(client.refusedStatus).toBe(403)
  })
})
