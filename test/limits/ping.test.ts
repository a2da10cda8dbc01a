/**
 * The server ping: a socket that never answers is reaped within two intervals (counted as a
 * 'deadSocket' refusal); sockets that answer stay however idle they are.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'
import { expectPairPipes } from '../helpers/processes.js'

let current: RelayServer | undefined
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await current?.close()
  current = undefined
})

/** A raw socket that counts the pings it gets and, unless `autoPong`, never answers them. */
async function pingCounter(url: string, path: string, autoPong: boolean) {
  const socket = new WebSocket(url + path, { autoPong })
  sockets.push(socket)
  const state = { socket, pings: 0, pingsBeforeClose: -1, closeCode: 0, openedAt: 0, closedAt: 0 }
  socket.on('ping', () => state.pings++)
  socket.on('error', () => {})
  socket.once('close', (code: number) => {
    state.closeCode = code
    state.pingsBeforeClose = state.pings
    state.closedAt = Date.now()
  })
  await once(socket, 'open')
  state.openedAt = Date.now()
  return state
}

describe('server ping', () => {
  test('sockets that do not answer pings are terminated within two intervals; sockets that answer stay', async () => {
    const pingIntervalMs = 200
    const { relay, url } = await startRelay({ pingIntervalMs })
    current = relay
    const alive = await pingCounter(url, '/introduction/alive', true)
    const aliveTwin = new RawPeer(url + '/introduction/twin')
    sockets.push(aliveTwin.socket)
    await aliveTwin.opened
    const liveA = await openPeer(url, '/connection/la/lb/doc')
    const liveB = await openPeer(url, '/connection/lb/la/doc')
    sockets.push(liveA.socket, liveB.socket)

    const dead = await pingCounter(url, '/introduction/dead', false)
    const deadPipe = await pingCounter(url, '/connection/dp/nobody/doc', false)
    await eventually(() => dead.closeCode !== 0 && deadPipe.closeCode !== 0, 10 * pingIntervalMs + 5_000, 'the silent sockets to be reaped')

    console.log(
      `MEASURED: with pingIntervalMs ${pingIntervalMs}, silent introduction socket reaped after ${dead.closedAt - dead.openedAt} ms ` +
        `(${dead.pingsBeforeClose} ping unanswered), silent pipe socket after ${deadPipe.closedAt - deadPipe.openedAt} ms (${deadPipe.pingsBeforeClose} pings)`,
    )
    // Terminated, not closed: the relay does not wait for a handshake from a dead socket.
    expect(dead.closeCode).toBe(1006)
    expect(deadPipe.closeCode).toBe(1006)
    // The pipe socket gets one extra ping when it opens; otherwise one ping per interval, and the
    // second interval without an answer is the last.
    expect(dead.pingsBeforeClose).toBeGreaterThanOrEqual(1)
    expect(dead.pingsBeforeClose).toBeLessThanOrEqual(2)
    expect(deadPipe.pingsBeforeClose).toBeLessThanOrEqual(3)

    const snapshot = relay.snapshot()
    expect(snapshot.totals.refusalsByKind.deadSocket).toBe(2)
    const events = snapshot.events.filter(e => e.kind === 'refusal' && e.refusal === 'deadSocket')
    expect(events.map(e => e.peerId).sort()).toEqual(['dead', 'dp'])
    for (const event of events) expect(event).toMatchObject({ code: 1006, address: '127.0.0.1' })
    expect(snapshot.peers.map(p => p.id).sort()).toEqual(['alive', 'twin'])
    expect(snapshot.counts.pipesWaiting).toBe(0)

    // Four more intervals: the answering sockets, idle as they are, are all still there.
    const pingsNow = alive.pings
    await eventually(() => alive.pings >= pingsNow + 4, 20 * pingIntervalMs + 5_000, 'four more pings')
    expect(alive.closeCode).toBe(0)
    expect(aliveTwin.closeCode).toBeUndefined()
    expect(liveA.closeCode).toBeUndefined()
    expect(liveB.closeCode).toBeUndefined()
    expect(relay.snapshot().totals.refusalsByKind.deadSocket).toBe(2)
    liveA.send('idle but alive')
    expect((await liveB.waitForMessages(1))[0]!.data.toString()).toBe('idle but alive')
    await expectPairPipes(url)
  })
})
