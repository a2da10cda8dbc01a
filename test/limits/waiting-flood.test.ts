/**
 * A waiting pipe flooded by its sender before the partner arrives: the relay holds about
 * holdPauseBytes and stops reading, its memory stays flat, and the partner gets everything in order.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import type { WebSocket } from 'ws'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { RawPeer, eventually, startRelay } from '../helpers/relay.js'
import {
  expectSequence,
  fetchHealth,
  floodUntilPushback,
  killLeftoverCliProcesses,
  mib,
  readMemory,
  sleep,
  startCliRelay,
} from '../helpers/processes.js'

const MESSAGE = 64 * 1024

const sockets: WebSocket[] = []
let current: RelayServer | undefined

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await current?.close()
  current = undefined
  await killLeftoverCliProcesses()
})

function rawPeer(url: string, path: string): RawPeer {
  const peer = new RawPeer(url + path)
  sockets.push(peer.socket)
  return peer
}

describe('waiting pipe flood', () => {
  test('with the headless relay as a child process: the flooding sender is paused at holdPauseBytes, memory stays flat, the late partner gets every message in order', async () => {
    // Defaults: holdPauseBytes 1 MiB, maxHeldBytes 32 MiB.
    const { pid, url, port } = await startCliRelay(['--quiet'])

    // Warm the relay up with a pipe that carries the same traffic, so the baseline is steady state.
    const warmSender = rawPeer(url, '/connection/w1/w2/warm')
    const warmReceiver = rawPeer(url, '/connection/w2/w1/warm')
    await Promise.all([warmSender.opened, warmReceiver.opened])
    const warm = await floodUntilPushback(warmSender.socket, { size: MESSAGE, maxBytes: 256 * MESSAGE, pushbackBytes: Infinity })
    await warmReceiver.waitForMessages(warm.sent, 15_000)
    await Promise.all([warmSender.close(), warmReceiver.close()])
    const before = readMemory(pid)

    const sender = rawPeer(url, '/connection/s/r/doc')
    // Flood only after the first ping, as any client that has been connected a moment would:
    // the relay reads a sender until it has answered that ping.
    const pinged = once(sender.socket, 'ping')
    await sender.opened
    await pinged

    let peakDuringFlood = before.rss
    const sample = () => (peakDuringFlood = Math.max(peakDuringFlood, readMemory(pid).rss))
    const { sent, pushedBack } = await floodUntilPushback(sender.socket, {
      size: MESSAGE,
      maxBytes: 200 * 1024 * 1024,
      pushbackBytes: 64 * 1024 * 1024,
      onBatch: sample,
    })
    for (let i = 0; i < 5; i++) {
      await sleep(100)
      sample()
    }
    const health = await fetchHealth(port)
    const growth = peakDuringFlood - before.rss
    console.log(
      `MEASURED: CLI relay (default limits, holdPauseBytes 1 MiB, maxHeldBytes 32 MiB), waiting pipe flooded: sender attempted ` +
        `${mib(sent * MESSAGE)} (stopped by TCP pushback: ${pushedBack}); relay RSS before ${mib(before.rss)}, peak during flood ` +
        `${mib(peakDuringFlood)} (growth ${mib(growth)}), VmHWM ${mib(readMemory(pid).peak)}`,
    )
    // The relay stopped reading: TCP pushed back long before 200 MiB, nothing was closed for
    // overflow (32 MiB), and the relay did not keep what it was sent.
    expect(pushedBack).toBe(true)
    expect(sender.closeCode).toBeUndefined()
    expect(health.counts.pipesWaiting).toBe(1)
    expect(growth).toBeLessThan(32 * 1024 * 1024)

    const receiver = rawPeer(url, '/connection/r/s/doc')
    await receiver.opened
    await receiver.waitForMessages(sent, 60_000)
    expectSequence(receiver.received, sent, MESSAGE)
    console.log(`MEASURED: CLI relay RSS after the late partner received all ${sent} messages (${mib(sent * MESSAGE)}) in order: ${mib(readMemory(pid).rss)}`)
    expect(sender.closeCode).toBeUndefined()
    expect((await fetchHealth(port)).counts).toMatchObject({ pipesWaiting: 0, pipesLive: 1 })
  })

  test('a sender that floods from the moment its socket opens (as Clients do on peer-connect) is paused, not overflowed', async () => {
    const holdPauseBytes = 256 * 1024
    const { relay, url } = await startRelay({ holdPauseBytes, maxHeldBytes: 32 * 1024 * 1024 })
    current = relay
    const sender = rawPeer(url, '/connection/s/r/doc')
    await sender.opened
    const { sent, pushedBack } = await floodUntilPushback(sender.socket, {
      size: MESSAGE,
      maxBytes: 200 * 1024 * 1024,
      pushbackBytes: 16 * 1024 * 1024,
    })
    const pipe = () => relay.snapshot().pipes.find(p => p.peers[0] === 's')!
    await eventually(() => pipe().throttled[0], 5_000, 'the waiting sender to be paused')
    const held = pipe().heldBytes
    console.log(`MEASURED: in-process relay, holdPauseBytes ${mib(holdPauseBytes)}, sender flooding from open: ${mib(sent * MESSAGE)} attempted, ${mib(held)} held by the relay`)
    expect(pushedBack).toBe(true)
    expect(sender.closeCode).toBeUndefined()
    expect(held).toBeLessThan(8 * 1024 * 1024)

    const receiver = rawPeer(url, '/connection/r/s/doc')
    await receiver.opened
    await receiver.waitForMessages(sent, 30_000)
    expectSequence(receiver.received, sent, MESSAGE)
    expect(relay.snapshot().totals.refusals).toBe(0)
  })
})
