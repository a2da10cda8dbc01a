/**
 * How the relay reads request paths (as the published server's router does, plus the kindness of
 * tolerating `//`), what it says on paths it does not serve, its plain HTTP pages, and the exact
 * shape of what it sends on an introduction socket.
 */
import { pack, unpack } from 'msgpackr'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { httpGet, upgradeReply } from '../helpers/frames.js'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'

let relay: RelayServer
let url: string
let port: number
const opened: RawPeer[] = []

beforeEach(async () => {
  ;({ relay, url, port } = await startRelay())
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map(peer => peer.close()))
  await relay.close()
})

async function peer(path: string): Promise<RawPeer> {
  const socket = await openPeer(url, path)
  opened.push(socket)
  return socket
}

const peerIds = () => relay.snapshot().peers.map(p => p.id).sort()

describe('introduction paths', () => {
  it.each([
    ['/introduction/Ann', 'Ann'],
    ['/INTRODUCTION/Ann', 'Ann'],
    ['/InTrOdUcTiOn/ann', 'ann'],
    ['/introduction/Ann/', 'Ann'],
    ['//introduction/Ann', 'Ann'],
    ['///introduction/Ann/', 'Ann'],
    ['/introduction/Ann?peerId=Bob&x=%ZZ', 'Ann'],
    ['/introduction/Ann/?', 'Ann'],
    ['/introduction/a%20b', 'a b'],
    ['/introduction/a%2Fb', 'a/b'],
    ['/introduction/a%3Ab%25', 'a:b%'],
    ['/introduction/%C3%A9t%C3%A9%20%F0%9F%98%80', 'été 😀'],
    ['/introduction/ambitious-mongoose', 'ambitious-mongoose'],
  ])('%s registers peer %j', async (path, id) => {
    const socket = await peer(path)
    expect(peerIds()).toEqual([id])
    socket.sendControl({ type: 'Join', documentIds: ['doc'] })
    const other = await peer('/introduction/other')
    other.sendControl({ type: 'Join', documentIds: ['doc'] })
    expect(unpack((await other.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: id, documentIds: ['doc'] })
  })

  it('keeps ids case-sensitive: Ann and ann are two peers', async () => {
    await peer('/introduction/Ann')
    await peer('/INTRODUCTION/ann')
    expect(peerIds()).toEqual(['Ann', 'ann'])
  })
})

describe('connection paths', () => {
  it('pairs a percent-encoded path with the same ids written plainly, whatever the case of the word', async () => {
    const a = await peer('/Connection/a%3Ab/c%20d/doc%2F1/')
    a.send('hello')
    const b = await peer('//CONNECTION/c d/a:b/doc%2F1?x=1')
    expect((await b.waitForMessages(1)).map(m => m.data.toString())).toEqual(['hello'])
    expect(relay.snapshot().pipes.map(p => [p.state, p.peers, p.documentId])).toEqual([['live', ['a:b', 'c d'], 'doc/1']])
  })
})

describe('paths the relay does not serve', () => {
  it.each([
    '/',
    '/introduction',
    '/introduction/',
    '/introduction//',
    '/introduction/a//',
    '/introduction/a/b',
    '/introductions/a',
    '/connection/a/b',
    '/connection/a/b/c/d',
    '/connection/a//c',
    '/health',
    '/foo/bar?introduction/x',
  ])('opens %s, then closes it with 4404 and a reason naming the path', async path => {
    const socket = new RawPeer(url + path)
    await socket.opened
    await socket.closed
    expect(socket.closeCode).toBe(4404)
    expect(socket.closeReason.startsWith(`unknown path: ${path}; use /introduction/:peerId or /connection/:A/:B/:documentId`.slice(0, 120))).toBe(true)
    expect(Buffer.byteLength(socket.closeReason)).toBeLessThanOrEqual(123)
    expect(relay.snapshot().totals.refusalsByKind.unknownPath).toBe(1)
    await eventually(() => relay.snapshot().counts.sockets === 0, 5_000, 'the socket to be gone')
    expect(relay.snapshot().counts).toMatchObject({ peers: 0, pipesWaiting: 0, pipesLive: 0 })
  })

  it('keeps the reason within 123 bytes for a very long path', async () => {
    const path = '/' + 'é'.repeat(300)
    const socket = new RawPeer(url + path)
    await socket.closed
    expect(socket.closeCode).toBe(4404)
    expect(socket.closeReason).toMatch(/^unknown path: \/(%C3%A9)+/)
    expect(Buffer.byteLength(socket.closeReason)).toBeLessThanOrEqual(123)
  })

  it.each([
    ['/introduction/%E0%A4%A', 'bad percent-encoding in path'],
    ['/introduction/%', 'bad percent-encoding in path'],
    ['/introduction/%C3%28', 'bad percent-encoding in path'],
    [`/introduction/${'x'.repeat(513)}`, 'id longer than 512 characters'],
    [`/introduction/${'%41'.repeat(513)}`, 'id longer than 512 characters'],
  ])('refuses introduction path %s with HTTP 400 before the socket opens', async (path, why) => {
    const reply = await upgradeReply(url, path)
    expect(reply.status).toBe(400)
    expect(reply.body).toBe(`4400 malformed message: ${why}\n`)
    expect(relay.snapshot().totals.refusalsByKind.malformed).toBe(1)
    expect(relay.snapshot().counts).toMatchObject({ peers: 0, sockets: 0, pipesWaiting: 0 })
    // A ws client (as the published Client uses) sees the refusal and no open socket.
    const client = new RawPeer(url + path)
    await expect(client.opened).rejects.toThrow(/closed before open \(HTTP 400\)/)
    expect([client.refusedStatus, client.refusedBody]).toEqual([400, `4400 malformed message: ${why}\n`])
  })

  it.each([
    ['/connection/a/%C3%28/doc', 'bad percent-encoding in path'],
    ['/connection/a/b/%FF', 'bad percent-encoding in path'],
    ['/connection/%/b/doc', 'bad percent-encoding in path'],
    [`/connection/a/b/${'%41'.repeat(513)}`, 'id longer than 512 characters'],
  ])('opens connection path %s, then closes it with 4400 (a refused pipe handshake would crash the Client)', async (path, why) => {
    const socket = new RawPeer(url + path)
    await socket.opened
    await socket.closed
    expect([socket.closeCode, socket.closeReason]).toEqual([4400, `malformed message: ${why}`])
    expect(relay.snapshot().totals.refusalsByKind.malformed).toBe(1)
    await eventually(() => relay.snapshot().counts.sockets === 0, 5_000, 'the socket to be gone')
    expect(relay.snapshot().counts).toMatchObject({ peers: 0, pipesWaiting: 0, pipesLive: 0 })
  })

  it('accepts an id of exactly 512 characters', async () => {
    await peer(`/introduction/${'x'.repeat(512)}`)
    expect(relay.snapshot().peers.map(p => p.id.length)).toEqual([512])
  })
})

describe('plain HTTP on the relay port', () => {
  it('serves an offline landing page on GET /: no URLs to other hosts, a CSP that forbids fetching', async () => {
    const page = await httpGet(url, '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/)
    expect(page.body).toMatch(/<html/i)
    const urls = page.body.match(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]*/gi) ?? []
    for (const found of urls) expect(new URL(found).host, found).toBe(`127.0.0.1:${port}`)
    expect(page.body).not.toMatch(/\b(src|href)\s*=\s*["']?\s*\/\//i)
    expect(page.body).not.toMatch(/<(script|img|link|iframe)\b[^>]*\bsrc\s*=/i)
    expect(page.body).toContain(`ws://127.0.0.1:${port}`)
  })

  it('answers GET /health with counts as JSON and never an id', async () => {
    const intro = await peer('/introduction/secret-peer-id')
    intro.sendControl({ type: 'Join', documentIds: ['secret-document-id'] })
    await peer('/connection/secret-peer-id/someone-else/secret-document-id')
    await eventually(() => relay.snapshot().documents.length === 1, 5_000, 'the Join')
    const health = await httpGet(url, '/health')
    expect(health.status).toBe(200)
    expect(health.headers['content-type']).toMatch(/^application\/json/)
    const body = JSON.parse(health.body)
    expect(body).toMatchObject({
      status: 'ok',
      protocol: 'localfirst-relay/4',
      counts: { peers: 1, documents: 1, pipesWaiting: 1, pipesLive: 0, sockets: 2 },
      masking: 'native',
    })
    expect(typeof body.version).toBe('string')
    expect(typeof body.uptimeSeconds).toBe('number')
    expect(health.body).not.toMatch(/secret|someone-else/)
  })

  it('answers other paths with 404 and other methods with 405', async () => {
    expect((await httpGet(url, '/introduction/x')).status).toBe(404)
    expect((await httpGet(url, '/nothing-here')).status).toBe(404)
    const post = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' })
    expect(post.status).toBe(405)
    await post.text()
  })
})

describe('what an introduction socket is sent', () => {
  it('encodes an Introduction exactly as the published server does', async () => {
    const bob = await peer('/introduction/bob')
    bob.sendControl({ type: 'Join', documentIds: ['d1'] })
    await eventually(() => relay.snapshot().documents.length === 1, 5_000, 'the Join')
    const alice = await peer('/introduction/alice')
    alice.sendControl({ type: 'Join', documentIds: ['d1'] })
    const [message] = await alice.waitForMessages(1)
    const str = (s: string) => Buffer.from([0xa0 + s.length, ...Buffer.from(s)]).toString('hex')
    const expected = `de0003${str('type')}${str('Introduction')}${str('peerId')}${str('bob')}${str('documentIds')}91${str('d1')}`
    expect(message!.isBinary).toBe(true)
    expect(message!.data.toString('hex')).toBe(expected)
  })

  it('introduces only the documents of the Join at hand, again on a re-Join, and never on Leave', async () => {
    const bob = await peer('/introduction/bob')
    bob.sendControl({ type: 'Join', documentIds: ['d1'] })
    bob.sendControl({ type: 'Join', documentIds: ['d2'] })
    bob.sendControl({ type: 'Join', documentIds: ['d3'] })
    await eventually(() => relay.snapshot().documents.length === 3, 5_000, 'the Joins')
    const loner = await peer('/introduction/loner') // never joins, so it is never introduced
    const alice = await peer('/introduction/alice')
    alice.sendControl({ type: 'Join', documentIds: ['d1'] })
    alice.sendControl({ type: 'Join', documentIds: ['d2', 'd3', 'd4'] })
    alice.sendControl({ type: 'Leave', documentIds: ['d2'] })
    alice.sendControl({ type: 'Join', documentIds: ['d1'] })
    alice.sendControl({ type: 'Join', documentIds: ['d4'] })
    alice.sendControl({ type: 'Join', documentIds: ['d2'] })
    await alice.waitForMessages(4)
    await bob.waitForMessages(4)
    const intro = (peerId: string, documentIds: string[]) => ({ type: 'Introduction', peerId, documentIds })
    expect(alice.controlMessages()).toEqual([intro('bob', ['d1']), intro('bob', ['d2', 'd3']), intro('bob', ['d1']), intro('bob', ['d2'])])
    expect(bob.controlMessages()).toEqual([intro('alice', ['d1']), intro('alice', ['d2', 'd3']), intro('alice', ['d1']), intro('alice', ['d2'])])
    // A round trip on the loner's socket would come after anything sent to it.
    loner.sendControl({ type: 'Join', documentIds: ['d5'] })
    const last = await peer('/introduction/last')
    last.sendControl({ type: 'Join', documentIds: ['d5'] })
    await loner.waitForMessages(1)
    expect(loner.controlMessages()).toEqual([intro('last', ['d5'])])
    expect(pack(alice.controlMessages()[0]).equals(alice.received[0]!.data)).toBe(true)
    // Nothing more was queued for alice or bob: the next thing each receives is a new introduction.
    const zed = await peer('/introduction/zed')
    zed.sendControl({ type: 'Join', documentIds: ['d1'] })
    await alice.waitForMessages(5)
    await bob.waitForMessages(5)
    expect(alice.controlMessages()[4]).toEqual(intro('zed', ['d1']))
    expect(bob.controlMessages()[4]).toEqual(intro('zed', ['d1']))
  })

  it('never introduces a peer to itself, even when someone opens a pipe from it to itself', async () => {
    const self = await peer('/introduction/p')
    self.sendControl({ type: 'Join', documentIds: ['d'] })
    await eventually(() => relay.snapshot().documents.length === 1, 5_000, 'the Join')
    // Nobody should do this, but anyone can: a pipe p→p, then a newer socket for it.
    const first = await peer('/connection/p/p/d')
    const second = await peer('/connection/p/p/d')
    const third = await peer('/connection/p/p/d')
    await Promise.all([first.closed, second.closed])
    await eventually(() => relay.snapshot().counts.sockets === 2, 5_000, 'the old pipe sockets to be gone')
    const other = await peer('/introduction/q')
    other.sendControl({ type: 'Join', documentIds: ['d'] })
    // Anything sent to p before this introduction would arrive first.
    await self.waitForMessages(1)
    expect(self.controlMessages()[0]).toEqual({ type: 'Introduction', peerId: 'q', documentIds: ['d'] })
    expect(third.closeCode).toBeUndefined()
  })
})
