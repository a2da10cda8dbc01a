/**
 * Graceful shutdown of the engine: every socket is closed with 1001 and a reason, the port is free
 * again, and close() resolves promptly even when a client cannot take part in the close handshake.
 * (Shutdown of the headless CLI on SIGINT/SIGTERM is in test/cli.)
 */
import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'
import { closeServer, floodUntilPushback, listenOn } from '../helpers/processes.js'

let current: RelayServer | undefined
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await current?.close()
  current = undefined
})

async function open(url: string, path: string): Promise<RawPeer> {
  const peer = await openPeer(url, path)
  sockets.push(peer.socket)
  return peer
}

/** Resolves with how long `promise` took, or rejects if it takes longer than `limitMs`. */
async function timed(promise: Promise<unknown>, limitMs: number, what: string): Promise<number> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${limitMs} ms`)), limitMs))),
  ])
  clearTimeout(timer)
  return Date.now() - started
}

async function expectPortFree(port: number): Promise<void> {
  const server = await listenOn(port)
  await closeServer(server)
}

describe('relay.close()', () => {
  test('closes introduction sockets, waiting pipes and live pipes with 1001 "relay shutting down", frees the port, resolves promptly', async () => {
    const { relay, url, port } = await startRelay()
    current = relay
    const alice = await open(url, '/introduction/alice')
    const bob = await open(url, '/introduction/bob')
    alice.sendControl({ type: 'Join', documentIds: ['doc'] })
    bob.sendControl({ type: 'Join', documentIds: ['doc'] })
    await alice.waitForMessages(1)
    await bob.waitForMessages(1)
    const liveA = await open(url, '/connection/alice/bob/doc')
    const liveB = await open(url, '/connection/bob/alice/doc')
    liveA.send('before shutdown')
    await liveB.waitForMessages(1)
    const waiting = await open(url, '/connection/carol/dave/doc')
    waiting.send('held for dave')
    const lurker = await open(url, '/introduction/lurker') // never joins anything
    await eventually(() => relay.snapshot().counts.pipesWaiting === 1 && relay.snapshot().counts.pipesLive === 1, 5_000, 'both pipes')

    const everyone = { alice, bob, liveA, liveB, waiting, lurker }
    const ms = await timed(relay.close(), 5_000, 'relay.close()')
    console.log(`MEASURED: relay.close() with 6 open sockets (2 introductions, 1 idle introduction, a live pipe, a waiting pipe) took ${ms} ms`)

    await Promise.all(Object.values(everyone).map(peer => peer.closed))
    for (const [name, peer] of Object.entries(everyone)) {
      expect({ name, code: peer.closeCode, reason: peer.closeReason }).toEqual({ name, code: 1001, reason: 'relay shutting down' })
    }
    const snapshot = relay.snapshot()
    expect(snapshot.listening).toBe(false)
    expect(snapshot.counts).toEqual({ peers: 0, documents: 0, pipesWaiting: 0, pipesLive: 0, sockets: 0 })
    await expectPortFree(port)
    // A second close is harmless and also resolves.
    await timed(relay.close(), 1_000, 'a second relay.close()')
  })

  test('a reader that stalls and a sender held back by it do not keep close() from finishing or the port from freeing', async () => {
    const { relay, url, port } = await startRelay({ pipeHighWaterMark: 256 * 1024 })
    current = relay
    const sender = new RawPeer(url + '/connection/s/r/doc')
    const receiver = new RawPeer(url + '/connection/r/s/doc')
    sockets.push(sender.socket, receiver.socket)
    await Promise.all([sender.opened, receiver.opened, once(receiver.socket, 'ping')])
    receiver.socket.pause()
    const { pushedBack } = await floodUntilPushback(sender.socket, { size: 64 * 1024, maxBytes: 200 * 1024 * 1024, pushbackBytes: 8 * 1024 * 1024 })
    expect(pushedBack).toBe(true)
    await eventually(() => relay.snapshot().pipes[0]?.throttled[0] === true, 5_000, 'the sender to be throttled')
    // And an introduction socket whose client vanished without a word (half-open).
    const halfOpen = await open(url, '/introduction/gone')
    halfOpen.socket.pause()

    const ms = await timed(relay.close(), 5_000, 'relay.close()')
    console.log(`MEASURED: relay.close() with a stalled reader, a throttled sender and a half-open socket took ${ms} ms`)
    await expectPortFree(port)
    // The throttled sender still reads, so it gets the proper close despite being held back.
    await sender.closed
    expect(sender.closeCode).toBe(1001)
    expect(sender.closeReason).toBe('relay shutting down')
    expect(relay.snapshot().counts.sockets).toBe(0)

    // The stalled ones find their sockets gone once they look again.
    receiver.socket.resume()
    halfOpen.socket.resume()
    await Promise.all([receiver.closed, halfOpen.closed])
    expect(receiver.socket.readyState).toBe(WebSocket.CLOSED)
  })
})
