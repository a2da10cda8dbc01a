/**
 * Twenty published Clients on one document: every one is introduced to every other exactly once,
 * and a message from each reaches every other on the right pipe.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CompatRig, pipesBetween } from '../helpers/clients.js'
import { eventually } from '../helpers/relay.js'

const rig = new CompatRig()
afterEach(() => rig.cleanup())

const PEERS = 20

describe('published Client: many peers', () => {
  it(`${PEERS} Clients on one document each get ${PEERS - 1} peer-connects and a message from every other`, async () => {
    const { relay, url } = await rig.startRelay()
    const ids = Array.from({ length: PEERS }, (_, i) => `peer-${String(i).padStart(2, '0')}`)
    const clients = ids.map(id =>
      rig.client(url, id, ['doc'], {
        onPeerConnect: ({ peerId, socket }, self) => socket.send(`from ${self.peerId} to ${peerId}`),
      }),
    )

    await eventually(
      () => clients.every(c => c.pipes.length >= PEERS - 1 && c.pipes.every(p => p.messages.length >= 1)),
      15_000,
      `every Client to have ${PEERS - 1} pipes with a message on each`,
    )
    for (const client of clients) {
      const others = ids.filter(id => id !== client.peerId)
      expect(client.pipes.map(p => p.peerId).sort(), client.peerId).toEqual(others)
      expect(client.pipes.every(p => p.documentId === 'doc')).toBe(true)
      for (const pipe of client.pipes) expect(pipe.messages).toEqual([`from ${pipe.peerId} to ${client.peerId}`])
      expect(client.disconnects).toEqual([])
      expect(client.serverConnects).toBe(1)
    }

    const snapshot = relay.snapshot()
    const pairs = (PEERS * (PEERS - 1)) / 2
    expect(snapshot.counts).toMatchObject({ peers: PEERS, documents: 1, pipesLive: pairs, pipesWaiting: 0 })
    expect(snapshot.documents[0]!.peers.sort()).toEqual(ids)
    for (let i = 0; i < PEERS; i++) {
      for (let j = i + 1; j < PEERS; j++) {
        const pipes = pipesBetween(snapshot, ids[i]!, ids[j]!, 'doc')
        expect(pipes, `${ids[i]}-${ids[j]}`).toHaveLength(1)
        expect(pipes[0]!.messages).toEqual([1, 1])
      }
    }
    expect(snapshot.totals.messagesRelayed).toBe(2 * pairs)
    expect(snapshot.totals.pipesOpened).toBe(pairs)
    expect(snapshot.totals.refusals).toBe(0)
  })
})
