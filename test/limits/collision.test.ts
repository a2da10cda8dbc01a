/**
 * Collision damping: two live devices that share a peer id (the published Client's default ids are
 * four characters outside production) must not kick each other in an endless reconnect loop; the
 * incumbent keeps the id, the other backs off, the model shows the collision. A device that merely
 * reconnects, leaving a half-open socket behind, is not a collision.
 */
import { Client } from '@localfirst/relay/Client.js'
import { afterEach, describe, expect, test } from 'vitest'
import type { WebSocket } from 'ws'
import type { RelayEvent } from '../../shared/relay-model.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'
import { refusedUpgrade, sleep, startTcpProxy, type TcpProxy } from '../helpers/processes.js'

let current: RelayServer | undefined
let proxy: TcpProxy | undefined
const clients: Client[] = []
const sockets: WebSocket[] = []

/** A published Client that counts its server connects and disconnects. */
function client(peerId: string, url: string, documentIds: string[]) {
  const instance = new Client({ peerId, url, documentIds })
  clients.push(instance)
  const stats = { connects: 0, disconnects: 0, peers: [] as string[] }
  instance.on('server-connect', () => stats.connects++)
  instance.on('server-disconnect', () => stats.disconnects++)
  instance.on('peer-connect', ({ peerId: other, documentId }) => stats.peers.push(`${other}/${documentId}`))
  return { client: instance, stats }
}

/** Stops a Client for good: disconnectServer alone leaves a pending retry timer that reconnects. */
function dispose(instance: Client): void {
  const internals = instance as unknown as { tryToReopen: () => void; connectToServer: () => void; shouldReconnectIfClosed: boolean }
  internals.tryToReopen = () => {}
  internals.connectToServer = () => {}
  instance.disconnectServer()
}

afterEach(async () => {
  for (const instance of clients.splice(0)) dispose(instance)
  for (const socket of sockets.splice(0)) socket.terminate()
  await proxy?.close()
  proxy = undefined
  await current?.close()
  current = undefined
})

const eventsOf = (relay: RelayServer, kind: RelayEvent['kind'], peerId: string) =>
  relay.snapshot().events.filter(event => event.kind === kind && event.peerId === peerId)

describe('collision damping', () => {
  test('two published Clients with one peer id: one keeps it, the other is refused 4410 with backoff, the model shows the collision', async () => {
    const { relay, url } = await startRelay()
    current = relay
    const first = client('dup', url, ['doc'])
    await eventually(() => first.stats.connects === 1, 5_000, 'the first device to connect')
    const before = relay.snapshot().totals

    const second = client('dup', url, ['doc'])
    const observeMs = 3_000
    await sleep(observeMs)

    const snapshot = relay.snapshot()
    const { totals } = snapshot
    const accepted = totals.peersJoined - before.peersJoined
    const refused = totals.refusalsByKind.peerIdInUse ?? 0
    const attempts = accepted + refused
    console.log(
      `MEASURED: two published Clients sharing a peer id for ${observeMs} ms: ${attempts} introduction upgrades ` +
        `(${accepted} accepted, ${refused} refused with HTTP 409/4410); connects seen by the Clients: ${first.stats.connects} and ${second.stats.connects}`,
    )

    // Damped: the Client backs off exponentially when refused before open (a 10 ms loop would be ~300).
    expect(attempts).toBeLessThanOrEqual(25)
    expect(refused).toBeGreaterThanOrEqual(3)
    // The id changed hands twice (second took it, first came straight back), then stopped changing.
    expect(accepted).toBe(2)
    expect(eventsOf(relay, 'peer-connect', 'dup')).toHaveLength(3)
    expect(totals.collisions).toBe(1)
    const collisions = eventsOf(relay, 'collision', 'dup')
    expect(collisions).toHaveLength(1)
    expect(collisions[0]!.reason).toMatch(/two live connections/)

    // Exactly one device holds the id, and the model says another one wants it.
    const holders = snapshot.peers.filter(peer => peer.id === 'dup')
    expect(holders).toHaveLength(1)
    expect(holders[0]!.documents).toEqual(['doc'])
    expect(holders[0]!.collision).toMatchObject({ otherAddress: '127.0.0.1' })
    expect(holders[0]!.collision!.refused).toBe(refused)
    expect(holders[0]!.collision!.since).toBeGreaterThanOrEqual(snapshot.startedAt)
    expect(first.client.open).toBe(true)
    expect(second.client.open).toBe(false)

    // Every refusal of the other device was an HTTP 409 before its socket opened, with the reason in the body.
    const refusals = eventsOf(relay, 'refusal', 'dup').filter(event => event.refusal === 'peerIdInUse')
    expect(refusals.length).toBe(refused)
    for (const event of refusals) expect(event).toMatchObject({ code: 4410, status: 409, reason: 'peer id in use: another live device uses this peer id' })
    const raw = new RawPeer(url + '/introduction/dup')
    sockets.push(raw.socket)
    expect(await refusedUpgrade(raw)).toEqual({ status: 409, body: '4410 peer id in use: another live device uses this peer id' })

    // When the holder leaves, the other device gets in on its next retry and the collision is over.
    dispose(first.client)
    await eventually(() => second.stats.connects === 2, 10_000, 'the second device to connect once the first left')
    await eventually(() => relay.snapshot().peers.some(peer => peer.id === 'dup'), 5_000, 'dup in the model')
    const after = relay.snapshot().peers.find(peer => peer.id === 'dup')!
    expect(after.collision).toBeUndefined()
    expect(second.client.open).toBe(true)
    expect(relay.snapshot().totals.collisions).toBe(1)
  })

  test('a raw peer id reconnecting once while its old socket is half-open replaces it; the late close of the old socket changes nothing; no collision', async () => {
    const { relay, url } = await startRelay()
    current = relay
    const old = await openPeer(url, '/introduction/solo')
    sockets.push(old.socket)
    old.sendControl({ type: 'Join', documentIds: ['doc'] })
    await eventually(() => relay.snapshot().peers.find(p => p.id === 'solo')?.documents.length === 1, 5_000, 'solo to join')
    old.socket.pause() // it hears nothing more, like a device that left the network

    const fresh = await openPeer(url, '/introduction/solo')
    sockets.push(fresh.socket)
    fresh.sendControl({ type: 'Join', documentIds: ['doc'] })
    const friend = await openPeer(url, '/introduction/friend')
    sockets.push(friend.socket)
    friend.sendControl({ type: 'Join', documentIds: ['doc'] })
    await fresh.waitForMessages(1)
    expect(fresh.controlMessages()[0]).toEqual({ type: 'Introduction', peerId: 'friend', documentIds: ['doc'] })

    // The old socket finally hears its close and goes; the id stays with the new socket.
    old.socket.resume()
    await old.closed
    expect(old.closeCode).toBe(4409)
    expect(old.closeReason).toBe('replaced: a newer connection uses this peer id')
    await eventually(() => relay.snapshot().counts.sockets === 2, 5_000, 'the relay to let go of the old socket')
    const snapshot = relay.snapshot()
    const solo = snapshot.peers.filter(p => p.id === 'solo')
    expect(solo).toHaveLength(1)
    expect(solo[0]!.documents).toEqual(['doc'])
    expect(solo[0]!.collision).toBeUndefined()
    expect(snapshot.documents.find(d => d.id === 'doc')!.peers.sort()).toEqual(['friend', 'solo'])
    expect(snapshot.totals.collisions).toBe(0)
    expect(snapshot.events.filter(e => e.kind === 'collision')).toHaveLength(0)
    expect(snapshot.totals.refusalsByKind).toEqual({ replaced: 1 })
    expect(fresh.closeCode).toBeUndefined()
  })

  test('a published Client whose network drops reconnects once, leaving a half-open socket: not a collision, and it is introduced again', async () => {
    const { relay, url, port } = await startRelay({ pingIntervalMs: 300 })
    current = relay
    proxy = await startTcpProxy(port)
    const roamer = client('roamer', `ws://127.0.0.1:${proxy.port}`, ['doc'])
    await eventually(() => relay.snapshot().peers.find(p => p.id === 'roamer')?.documents.length === 1, 5_000, 'roamer to join')

    // The network changes: the Client's socket dies, the relay's side of it stays open and silent.
    proxy.cutAll()
    await eventually(() => roamer.stats.connects === 2, 5_000, 'the Client to reconnect')
    await eventually(() => relay.snapshot().peers.find(p => p.id === 'roamer')?.documents.length === 1, 5_000, 'roamer to join again')
    // The relay had still counted the old socket, so the new one replaced it.
    expect(relay.snapshot().totals.refusalsByKind.replaced).toBe(1)

    // The half-open socket is reaped by the ping; its late close must not touch the new registration.
    await eventually(() => (relay.snapshot().totals.refusalsByKind.deadSocket ?? 0) >= 1, 5_000, 'the half-open socket to be reaped')
    const friend = client('friend', url, ['doc'])
    await eventually(() => roamer.stats.peers.includes('friend/doc') && friend.stats.peers.includes('roamer/doc'), 5_000, 'roamer and friend to pipe')

    const snapshot = relay.snapshot()
    expect(snapshot.totals.collisions).toBe(0)
    expect(snapshot.events.filter(e => e.kind === 'collision')).toHaveLength(0)
    expect(snapshot.totals.refusalsByKind.peerIdInUse).toBeUndefined()
    const view = snapshot.peers.find(p => p.id === 'roamer')!
    expect(view.collision).toBeUndefined()
    expect(roamer.stats).toMatchObject({ connects: 2, disconnects: 1 })
    expect(roamer.client.open).toBe(true)
  })
})
