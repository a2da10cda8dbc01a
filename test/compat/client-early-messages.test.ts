/**
 * Applications send as soon as the published Client emits `peer-connect`, which it does when ITS
 * socket is open, whether or not the partner has arrived. The partner's Client attaches its
 * message listener a few microtasks after its own socket opens. Everything sent that early must
 * still arrive complete, in order, with its type (text or binary), including empty messages.
 */
import { describe, expect, it, afterEach } from 'vitest'
import type { RelayLimits } from '../../shared/limits.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { CompatRig, byteLength, firstDifference, pipesBetween, trafficOf, type TrackedClient, type TrackOptions } from '../helpers/clients.js'
import { eventually } from '../helpers/relay.js'

const rig = new CompatRig()
afterEach(() => rig.cleanup())

const COUNT = 200
const SMALL_SIZES = [1, 2, 30, 125, 126, 127, 200, 1_000, 4_000]

/**
 * The messages `from` sends to `to` on `documentId`: text and binary interleaved, empty ones at
 * the start and in the middle, sizes across the WebSocket length encodings (≤125, 126..65535,
 * ≥65536). Each non-empty message names its pipe and index, so a misrouted one shows.
 */
function script(from: string, to: string, documentId: string): (string | Buffer)[] {
  const messages: (string | Buffer)[] = []
  for (let i = 0; i < COUNT; i++) {
    const tag = `${from}>${to}@${documentId}#${i} `
    if (i === 0 || i % 50 === 25) messages.push('')
    else if (i === 1 || i % 50 === 26) messages.push(Buffer.alloc(0))
    else if (i % 50 === 27) messages.push(Buffer.from([i & 0xff]))
    else {
      const size = i % 40 === 7 ? 70_000 : i % 40 === 27 ? 65_536 : SMALL_SIZES[i % SMALL_SIZES.length]!
      if (i % 2 === 0) {
        messages.push(tag + '✓'.repeat(Math.max(0, Math.floor((size - tag.length) / 3))))
      } else {
        const bytes = Buffer.alloc(Math.max(size, tag.length))
        for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 7 + j) & 0xff
        bytes.write(tag)
        messages.push(bytes)
      }
    }
  }
  return messages
}

const totalBytes = (messages: (string | Buffer)[]) => messages.reduce((sum, m) => sum + byteLength(m), 0)

/** Sends the whole script synchronously inside the peer-connect handler. */
const sendOnConnect: TrackOptions['onPeerConnect'] = ({ peerId, documentId, socket }, self) => {
  for (const message of script(self.peerId, peerId, documentId)) socket.send(message)
}

/** Every client sent its script to every other on every shared document; checks both ends and the model. */
async function expectScriptsDelivered(relay: RelayServer, clients: TrackedClient[], docs: string[]): Promise<void> {
  const directions: [TrackedClient, TrackedClient, string][] = []
  for (const sender of clients) {
    for (const receiver of clients) {
      if (sender === receiver) continue
      for (const doc of docs) directions.push([sender, receiver, doc])
    }
  }
  await withPipeState(relay, Promise.all(directions.map(([sender, receiver, doc]) => receiver.waitForMessages(sender.peerId, doc, COUNT, 15_000))))
  for (const [sender, receiver, doc] of directions) {
    const received = receiver.pipe(sender.peerId, doc)!.messages
    expect(firstDifference(received, script(sender.peerId, receiver.peerId, doc)), `${sender.peerId}→${receiver.peerId} on ${doc}`).toBeUndefined()
    expect(receiver.pipesTo(sender.peerId, doc), `${receiver.peerId} pipes to ${sender.peerId} on ${doc}`).toHaveLength(1)
  }
  // The relay forwarded exactly the scripts: nothing more, nothing counted twice.
  const snapshot = relay.snapshot()
  for (const [sender, receiver, doc] of directions) {
    const pipes = pipesBetween(snapshot, sender.peerId, receiver.peerId, doc)
    expect(pipes).toHaveLength(1)
    expect(pipes[0]!.state).toBe('live')
    expect(pipes[0]!.heldBytes).toBe(0)
    expect(trafficOf(pipes[0]!, sender.peerId).fromA).toEqual({
      messages: COUNT,
      bytes: totalBytes(script(sender.peerId, receiver.peerId, doc)),
    })
  }
  expect(snapshot.counts.pipesWaiting).toBe(0)
  expect(snapshot.totals.refusals).toBe(0)
}

/** On failure, adds what the relay's pipes look like, so a stall shows where it is. */
async function withPipeState<T>(relay: RelayServer, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    const pipes = relay.snapshot().pipes.map(
      p => `${p.peers.join('→')}@${p.documentId} ${p.state} messages=${p.messages.join('/')} held=${p.heldBytes} throttled=${p.throttled.join('/')}`,
    )
    throw new Error(`${(error as Error).message}\nrelay pipes:\n  ${pipes.join('\n  ')}`)
  }
}

const TIGHT: Partial<RelayLimits> = { holdPauseBytes: 16 * 1024, pipeHighWaterMark: 16 * 1024 }

describe.each([
  ['default limits', {} as Partial<RelayLimits>],
  ['tight hold and high-water limits (backpressure on every pipe)', TIGHT],
])('published Client: messages sent right on peer-connect, %s', (_name, limits) => {
  it('200 mixed messages each way on every pipe of three peers on three documents arrive complete and in order', async () => {
    const { relay, url } = await rig.startRelay(limits)
    const docs = ['d1', 'd2', 'd3']
    const clients = ['alice', 'bob', 'carol'].map(id => rig.client(url, id, docs, { onPeerConnect: sendOnConnect }))
    await expectScriptsDelivered(relay, clients, docs)
    for (const client of clients) {
      expect(client.pipes).toHaveLength(6)
      expect(client.disconnects).toEqual([])
    }
    expect(relay.snapshot().counts.pipesLive).toBe(9)
  })

  it('what a Client sends into a pipe whose partner has not arrived yet is held and delivered first, byte for byte', async () => {
    const { relay, url } = await rig.startRelay(limits)
    const docs = ['d1', 'd2']
    let openBobsPipes!: () => void
    const bobMayOpen = new Promise<void>(resolve => (openBobsPipes = resolve))
    const alice = rig.client(url, 'alice', docs, { onPeerConnect: sendOnConnect })
    const bob = rig.client(url, 'bob', docs, { onPeerConnect: sendOnConnect, openPipesAfter: bobMayOpen })

    // alice's side opens, she gets peer-connect and sends her whole script into a waiting pipe.
    const aliceBytes = (doc: string) => totalBytes(script('alice', 'bob', doc))
    const pauseAt = relay.limits.holdPauseBytes
    await eventually(
      () =>
        docs.every(doc => {
          const [pipe] = pipesBetween(relay.snapshot(), 'alice', 'bob', doc)
          if (pipe?.state !== 'waiting') return false
          // Either all of it is held, or the hold filled up and alice is paused until bob comes.
          return pipe.heldBytes === aliceBytes(doc) || (pipe.heldBytes >= pauseAt && pipe.throttled[0])
        }),
      10_000,
      'alice to fill both waiting pipes',
    )
    expect(alice.pipes.map(p => p.documentId).sort()).toEqual(docs)
    expect(bob.pipes).toEqual([])
    const waiting = relay.snapshot().pipes
    expect(waiting.every(p => p.state === 'waiting' && p.peers[0] === 'alice')).toBe(true)
    expect(waiting.every(p => p.messages[0] === 0 && p.messages[1] === 0)).toBe(true)
    if (aliceBytes('d1') < pauseAt) expect(waiting.map(p => p.heldBytes).sort()).toEqual(docs.map(aliceBytes).sort())

    openBobsPipes()
    await expectScriptsDelivered(relay, [alice, bob], docs)
  })
})

describe('published Client: a burst of empty and tiny messages on peer-connect', () => {
  const BURST = 10_000
  /** Empty text, empty binary and a few-byte counter of either type: long in messages, short in bytes. */
  const burst = (): (string | Buffer)[] =>
    Array.from({ length: BURST }, (_, i) => {
      switch (i % 6) {
        case 0:
        case 3:
          return ''
        case 1:
        case 4:
          return Buffer.alloc(0)
        case 2:
          return String(i)
        default: {
          const counter = Buffer.alloc(4)
          counter.writeUInt32BE(i)
          return counter
        }
      }
    })

  it(`${BURST} messages each way, sent in one go with default limits, all arrive in order`, async () => {
    const { relay, url } = await rig.startRelay()
    const send: TrackOptions['onPeerConnect'] = ({ socket }) => {
      for (const message of burst()) socket.send(message)
    }
    const alice = rig.client(url, 'alice', ['doc'], { onPeerConnect: send })
    const bob = rig.client(url, 'bob', ['doc'], { onPeerConnect: send })
    await withPipeState(
      relay,
      Promise.all([bob.waitForMessages('alice', 'doc', BURST, 15_000), alice.waitForMessages('bob', 'doc', BURST, 15_000)]),
    )
    expect(firstDifference(bob.pipe('alice', 'doc')!.messages, burst())).toBeUndefined()
    expect(firstDifference(alice.pipe('bob', 'doc')!.messages, burst())).toBeUndefined()
    const [pipe] = relay.snapshot().pipes
    expect(pipe!.messages).toEqual([BURST, BURST])
    expect(pipe!.throttled).toEqual([false, false])
  })
})
