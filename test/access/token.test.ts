import { Client } from '@localfirst/relay/Client.js'
import { WebSocket } from 'ws'
import { afterEach, describe, expect, test } from 'vitest'
import { RelayServer } from '../../src-main/relay/relay-server.js'
import { formatEvent } from '../../src-main/relay/event-format.js'
import { RawPeer, eventually, openPeer } from '../helpers/relay.js'

const TOKEN = 'correct-horse-battery-staple'

interface PublishedClient {
  on(event: 'peer-connect', listener: (payload: { peerId: string; socket: WebSocket }) => void): void
  disconnectServer(): void
}

let relay: RelayServer | undefined
const clients: PublishedClient[] = []
const peers: RawPeer[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnectServer()
  for (const peer of peers.splice(0)) peer.socket.terminate()
  await relay?.close()
  relay = undefined
})

async function startWithToken(): Promise<string> {
  relay = new RelayServer({ host: '127.0.0.1', port: 0, access: { token: TOKEN } })
  return (await relay.listen()).url
}

/** Opens a raw socket that is expected to be refused, and returns its HTTP status and body. */
async function refused(url: string, headers?: Record<string, string>): Promise<{ status: number | undefined; body: string }> {
  const peer = new RawPeer(url, { headers })
  peers.push(peer)
  await peer.closed
  expect(peer.socket.readyState).toBe(WebSocket.CLOSED)
  return { status: peer.refusedStatus, body: peer.refusedBody.trimEnd() }
}

describe('access token', () => {
  test('the published Client carries it as the first path segment of its base URL, with no code change', async () => {
    const url = await startWithToken()
    const base = `${url}/${TOKEN}`
    const alice = new Client({ peerId: 'alice', url: base, documentIds: ['doc'] }) as unknown as PublishedClient
    const bob = new Client({ peerId: 'bob', url: base, documentIds: ['doc'] }) as unknown as PublishedClient
    clients.push(alice, bob)
    alice.on('peer-connect', ({ socket }) => socket.send('hello through the token'))
    const received = await new Promise<string>(resolve =>
      bob.on('peer-connect', ({ socket }) => socket.addEventListener('message', event => resolve(String(event.data)))),
    )
    expect(received).toBe('hello through the token')
    expect(relay!.snapshot().totals.refusals).toBe(0)
  })

  test('a client that can set headers may send it as a Bearer token instead', async () => {
    const url = await startWithToken()
    const peer = new RawPeer(`${url}/introduction/carol`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    peers.push(peer)
    await peer.opened
    expect(relay!.snapshot().peers.map(p => p.id)).toEqual(['carol'])
  })

  test('a missing or wrong token is answered 401 before any WebSocket opens, counted, and logged without the token', async () => {
    const url = await startWithToken()
    expect(await refused(`${url}/introduction/mallory`)).toEqual({ status: 401, body: '4401 access token required: no token given' })
    expect(await refused(`${url}/not-the-token-at-all/introduction/mallory`)).toEqual({ status: 401, body: '4401 access token required: wrong token' })
    expect(await refused(`${url}/connection/a/b/doc`, { Authorization: 'Bearer guessing-again-here' })).toEqual({
      status: 401,
      body: '4401 access token required: wrong token',
    })
    const snapshot = relay!.snapshot()
    expect(snapshot.totals.refusalsByKind.unauthorized).toBe(3)
    expect(snapshot.counts).toMatchObject({ peers: 0, sockets: 0 })
    expect(snapshot.access).toEqual({ tokenRequired: true, allowPublic: false })
    expect(snapshot.addresses).toContainEqual(expect.objectContaining({ address: '127.0.0.1', refusals: 3 }))

    // The token appears nowhere the relay reports: not the model, not a log line.
    const valid = await openPeer(`${url}/${TOKEN}`, '/introduction/dave')
    peers.push(valid)
    const everything = JSON.stringify(relay!.snapshot()) + relay!.snapshot().events.map(formatEvent).join('\n')
    expect(everything).not.toContain(TOKEN)
    expect(everything).toContain('wrong token')
  })

  test('repeated failures from one address are slowed down, then refused for a while even with the right token', async () => {
    const url = await startWithToken()
    const timings: number[] = []
    for (let attempt = 1; attempt <= 7; attempt++) {
      const started = Date.now()
      expect((await refused(`${url}/wrong-token-${attempt}/introduction/x`)).status).toBe(401)
      timings.push(Date.now() - started)
    }
    // The first five failures are answered at once; the sixth waits 250 ms, the seventh 500 ms.
    expect(timings[5]).toBeGreaterThanOrEqual(240)
    expect(timings[6]).toBeGreaterThanOrEqual(490)

    // Thirteen more failures make twenty: the address is locked out. Their answers are delayed (up
    // to 5 s each), but each failure counts the moment it arrives.
    for (let attempt = 8; attempt <= 20; attempt++) {
      peers.push(new RawPeer(`${url}/introduction/x`, { headers: { Authorization: `Bearer wrong-${attempt}` } }))
    }
    await eventually(() => relay!.snapshot().totals.refusalsByKind.unauthorized === 20, 5_000, 'twenty failures')
    const locked = await refused(`${url}/${TOKEN}/introduction/x`)
    expect(locked.status).toBe(429)
    expect(locked.body).toMatch(/^4431 too many failed attempts: retry in \d+ s$/)
    // Another address is not locked out.
    const elsewhere = new RawPeer(`${url}/${TOKEN}/introduction/y`, { localAddress: '127.0.0.2' })
    peers.push(elsewhere)
    await elsewhere.opened
  }, 30_000)
})
