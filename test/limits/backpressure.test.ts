/**
 * Flow control on a live pipe: a receiver that stops reading must slow its sender down instead of
 * making the relay buffer without bound, and nothing may be dropped or reordered.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import type { WebSocket } from 'ws'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import type { RelaySocket } from '../../src-main/relay/relay-socket.js'
import { RawPeer, eventually, openPeer, startRelay } from '../helpers/relay.js'
import {
  expectSequence,
  floodUntilPushback,
  killLeftoverCliProcesses,
  mib,
  readMemory,
  sleep,
  startCliRelay,
} from '../helpers/processes.js'

const MESSAGE = 64 * 1024
const MAX_ATTEMPT = 200 * 1024 * 1024

let current: RelayServer | undefined
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await current?.close()
  current = undefined
  await killLeftoverCliProcesses()
})

/** A live pipe s→r whose both ends have answered their first ping (so nothing is held). */
async function livePipe(url: string): Promise<{ sender: RawPeer; receiver: RawPeer }> {
  const sender = new RawPeer(url + '/connection/s/r/doc')
  const receiver = new RawPeer(url + '/connection/r/s/doc')
  sockets.push(sender.socket, receiver.socket)
  const pinged = [once(sender.socket, 'ping'), once(receiver.socket, 'ping')]
  await Promise.all([sender.opened, receiver.opened, ...pinged])
  // One round trip proves the pipe is live both ways.
  sender.send('ready?')
  await receiver.waitForMessages(1)
  receiver.send('ready!')
  await sender.waitForMessages(1)
  receiver.received.length = 0
  return { sender, receiver }
}

/** The relay's own socket toward one side of a pipe (to read its bufferedAmount). */
function relaySideOf(relay: RelayServer, peerId: string): RelaySocket {
  for (const socket of relay['sockets']) if (socket.pipeSide?.peerId === peerId) return socket
  throw new Error(`no relay socket for ${peerId}`)
}

describe('backpressure on a live pipe', () => {
  test('a receiver that stops reading throttles its sender, the relay buffers about one high-water mark, and every message arrives in order', async () => {
    const highWaterMark = 256 * 1024
    const { relay, url } = await startRelay({ pipeHighWaterMark: highWaterMark })
    current = relay
    const { sender, receiver } = await livePipe(url)

    receiver.socket.pause()
    let maxRelayBuffered = 0
    const toReceiver = relaySideOf(relay, 'r')
    const { sent, pushedBack } = await floodUntilPushback(sender.socket, {
      size: MESSAGE,
      maxBytes: MAX_ATTEMPT,
      pushbackBytes: 8 * 1024 * 1024,
      onBatch: () => (maxRelayBuffered = Math.max(maxRelayBuffered, toReceiver.bufferedAmount)),
    })
    // TCP pushed back on the sender long before 200 MiB: the relay stopped reading it.
    expect(pushedBack).toBe(true)
    await eventually(() => relay.snapshot().pipes.find(p => p.peers[0] === 's')?.throttled[0] === true, 5_000, 'the sender to be throttled')
    const pipe = relay.snapshot().pipes.find(p => p.peers[0] === 's')!
    expect(pipe.state).toBe('live')
    expect(pipe.throttled).toEqual([true, false])
    maxRelayBuffered = Math.max(maxRelayBuffered, toReceiver.bufferedAmount)
    const receivedBytes = receiver.received.reduce((sum, m) => sum + m.data.length, 0)
    const inFlight = pipe.bytes[0] - receivedBytes
    console.log(
      `MEASURED: in-process relay, pipeHighWaterMark ${mib(highWaterMark)}: sender attempted ${mib(sent * MESSAGE)} ` +
        `before TCP pushed back; relay forwarded ${mib(pipe.bytes[0])}; relay's own send buffer toward the stalled receiver ` +
        `peaked at ${mib(maxRelayBuffered)}; forwarded but unread (relay buffer + kernel socket buffers) ${mib(inFlight)}`,
    )
    expect(maxRelayBuffered).toBeLessThan(highWaterMark + 4 * MESSAGE)
    expect(pipe.bytes[0]).toBeLessThan(sent * MESSAGE)

    receiver.socket.resume()
    await receiver.waitForMessages(sent, 30_000)
    expectSequence(receiver.received, sent, MESSAGE)
    await eventually(() => {
      const after = relay.snapshot().pipes.find(p => p.peers[0] === 's')!
      return !after.throttled[0] && after.messages[0] === sent + 1
    }, 5_000, 'the sender to be released')
    expect(sender.closeCode).toBeUndefined()
    expect(relay.snapshot().totals.refusals).toBe(0)
  })

  test('with the headless relay as a child process: its memory stays flat while a reader stalls, and nothing is lost', async () => {
    const { pid, url } = await startCliRelay(['--quiet'])
    const { sender, receiver } = await livePipe(url)

    // Warm up the path so the baseline includes the relay's steady-state buffers and code.
    const warmUp = 256
    const warm = await floodUntilPushback(sender.socket, { size: MESSAGE, maxBytes: warmUp * MESSAGE, pushbackBytes: Infinity })
    await receiver.waitForMessages(warm.sent, 10_000)
    await sleep(200)
    const before = readMemory(pid)

    receiver.socket.pause()
    let peakDuringStall = before.rss
    const sample = () => (peakDuringStall = Math.max(peakDuringStall, readMemory(pid).rss))
    const { sent, pushedBack } = await floodUntilPushback(sender.socket, {
      size: MESSAGE,
      maxBytes: MAX_ATTEMPT,
      pushbackBytes: 64 * 1024 * 1024,
      firstSeq: warm.sent,
      onBatch: sample,
    })
    // Hold the stall a while, to see whether the relay keeps growing.
    for (let i = 0; i < 5; i++) {
      await sleep(100)
      sample()
    }
    const stalled = readMemory(pid)
    const growth = peakDuringStall - before.rss
    console.log(
      `MEASURED: CLI relay (default limits, pipeHighWaterMark 1 MiB), reader stalled: sender attempted ${mib(sent * MESSAGE)} ` +
        `(stopped by TCP pushback: ${pushedBack}); relay RSS before ${mib(before.rss)}, peak during stall ${mib(peakDuringStall)} ` +
        `(growth ${mib(growth)}), at end of stall ${mib(stalled.rss)}, VmHWM ${mib(stalled.peak)}`,
    )
    expect(pushedBack).toBe(true)
    expect(growth).toBeLessThan(48 * 1024 * 1024)

    receiver.socket.resume()
    const total = warm.sent + sent
    await receiver.waitForMessages(total, 30_000)
    expectSequence(receiver.received, total, MESSAGE)
    console.log(`MEASURED: CLI relay RSS after the stalled reader caught up (${total} messages, ${mib(total * MESSAGE)} delivered in order): ${mib(readMemory(pid).rss)}`)
    expect(sender.closeCode).toBeUndefined()
  })
})
