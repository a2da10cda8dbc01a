/**
 * The behaviours the published relay's own test suite checks (local-first-web/relay v4.2.2:
 * `src/test/Server.test.ts`, 7 tests, and `src/test/Client.test.ts`, 9 tests), written here from what
 * each of them checks, and run against BOTH relays as separate processes: Switchboard's headless
 * relay and the published server. A behaviour that differs between the two fails on one side only.
 * Where an original test looks inside the server (`server.peers`, `server.documentIds`, its
 * `introduction` event), these look from outside: another peer's view, or `GET /health` where the
 * relay has it. The README lists the 16 behaviours beside these tests.
 */
import { pack, unpack } from 'msgpackr'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TrackedClient, until, type AppMessage } from '../helpers/clients.js'
import { RawPeer, openPeer } from '../helpers/relay.js'
import { startRelayProcess, type RelayKind, type RelayProcess } from '../helpers/relay-process.js'

const KINDS: RelayKind[] = ['switchboard', 'published']

describe.each(KINDS)('the original suite against the %s relay', kind => {
  let relay: RelayProcess
  let clients: TrackedClient[]
  let raw: RawPeer[]

  beforeEach(async () => {
    relay = await startRelayProcess(kind)
    clients = []
    raw = []
  })

  afterEach(async () => {
    for (const tracked of clients) tracked.client.disconnectServer()
    for (const peer of raw) peer.socket.terminate()
    // The Client puts no error listener on its pipe sockets: a relay that stops under a pipe handshake
    // or a closing handshake would throw in this process, so stop it only once every pipe is done.
    await until(
      () => clients.every(c => c.connectingPipes() === 0 && c.pipes.every(pipe => pipe.closeCode !== undefined)),
      5_000,
      () => 'every pipe closed',
    )
    await relay.stop()
  })

  const client = (name: string, documentIds: string[] = ['doc']) => {
    const tracked = new TrackedClient({ peerId: name, url: relay.url, documentIds })
    clients.push(tracked)
    return tracked
  }
  const peer = async (path: string) => {
    const opened = await openPeer(relay.url, path)
    raw.push(opened)
    return opened
  }
  /** A raw introduction socket that has joined `documentIds`. */
  const joined = async (peerId: string, documentIds: string[]) => {
    const opened = await peer(`/introduction/${peerId}`)
    opened.sendControl({ type: 'Join', documentIds })
    return opened
  }
  /**
   * The peers `observer` is introduced to when it joins `documentIds`, known to be complete: a relay
   * answers one Join in one go, so an introduction to a sentinel peer, asked for by a later Join,
   * arrives after all of them. (The published server answers that later Join by introducing the
   * peers of every document again, hence the set.)
   */
  const introducedTo = async (observer: string, documentIds: string[]) => {
    const sentinel = `sentinel-for-${observer}`
    await joined(sentinel, [`sentinel-of-${observer}`])
    const socket = await joined(observer, documentIds)
    socket.sendControl({ type: 'Join', documentIds: [`sentinel-of-${observer}`] })
    await until(() => socket.controlMessages().some(m => m.peerId === sentinel), 5_000, () => `${observer}'s sentinel introduction`)
    const messages = socket.controlMessages()
    return [...new Set(messages.slice(0, messages.findIndex(m => m.peerId === sentinel)).map(m => m.peerId))].sort()
  }
  /**
   * Resolves on `client`'s next event about `peerId`, from a listener added now: `disconnectServer()`
   * removes every listener a Client has, so anything watching it afterwards must attach afresh (as
   * the original suite's helpers do).
   */
  const next = (tracked: TrackedClient, event: 'peer-connect' | 'peer-disconnect', peerId: string, documentId = 'doc') =>
    new Promise<void>(resolve =>
      tracked.client.on(event, payload => {
        if (payload.peerId === peerId && payload.documentId === documentId) resolve()
      }),
    )
  const connected = async (a: TrackedClient, b: TrackedClient, documentId = 'doc') => {
    await Promise.all([a.waitForPipe(b.peerId, documentId), b.waitForPipe(a.peerId, documentId)])
  }
  const disconnected = async (a: TrackedClient, b: TrackedClient, documentId = 'doc') => {
    await Promise.all([a.waitForDisconnect(b.peerId, documentId), b.waitForDisconnect(a.peerId, documentId)])
  }
  const decoded = (messages: AppMessage[]) => messages.map(message => unpack(message as Buffer))

  describe('Server.test.ts', () => {
    it('should make an introduction connection: the socket opens, the peer is known and has joined nothing', async () => {
      const alice = await peer('/introduction/alice')
      if (relay.counts) await until(async () => (await relay.counts!()).peers === 1, 5_000, () => 'alice counted as a peer')
      // Alice joined nothing, so someone joining a document is introduced to nobody.
      expect(await introducedTo('bob', ['doc'])).toEqual([])
      expect(alice.closeCode).toBeUndefined()
      if (relay.counts) expect(await relay.counts()).toMatchObject({ peers: 3, documents: 2 })
    })

    it('should not crash when sent malformed data: bytes that are not MessagePack, then a Join, still get the introduction', async () => {
      await joined('alice', ['doc'])
      const bob = await peer('/introduction/bob')
      bob.send(Buffer.from([1, 2, 3]))
      bob.sendControl({ type: 'Join', documentIds: ['doc'] })
      const [first] = await bob.waitForMessages(1)
      expect(unpack(first!.data)).toEqual({ type: 'Introduction', peerId: 'alice', documentIds: ['doc'] })
      expect(bob.closeCode).toBeUndefined()
    })

    it('should invite peers to connect: both sides get an Introduction naming the other and the document', async () => {
      const alice = await joined('alice', ['doc'])
      const bob = await joined('bob', ['doc'])
      const [toAlice] = await alice.waitForMessages(1)
      const [toBob] = await bob.waitForMessages(1)
      expect(unpack(toAlice!.data)).toEqual({ type: 'Introduction', peerId: 'bob', documentIds: ['doc'] })
      expect(unpack(toBob!.data)).toEqual({ type: 'Introduction', peerId: 'alice', documentIds: ['doc'] })
    })

    it('should pipe connections between two peers, both ways', async () => {
      const aliceIntro = await joined('alice', ['doc'])
      await joined('bob', ['doc'])
      expect(unpack((await aliceIntro.waitForMessages(1))[0]!.data)).toEqual({ type: 'Introduction', peerId: 'bob', documentIds: ['doc'] })
      const alice = await peer('/connection/alice/bob/doc')
      const bob = await peer('/connection/bob/alice/doc')
      alice.send(pack('DUDE!!'))
      expect(unpack((await bob.waitForMessages(1))[0]!.data)).toBe('DUDE!!')
      bob.send(pack('hello'))
      expect(unpack((await alice.waitForMessages(1))[0]!.data)).toBe('hello')
    })

    it('should close a peer when asked to: what she sent before closing arrives, nothing reaches her after', async () => {
      await joined('alice', ['doc'])
      await joined('bob', ['doc'])
      const alice = await peer('/connection/alice/bob/doc')
      const bob = await peer('/connection/bob/alice/doc')
      alice.send(pack('hey bob!'))
      await alice.close()
      expect(unpack((await bob.waitForMessages(1))[0]!.data)).toBe('hey bob!')
      if (bob.socket.readyState === bob.socket.OPEN) bob.send(pack('sup alice'))
      // Both relays end the pipe when one side leaves; the other side is closed too.
      await bob.closed
      expect(alice.received).toEqual([])
    })

    it('should make introductions between N peers: 5 peers on one document, each introduced to the other 4', async () => {
      const names = ['a', 'b', 'c', 'd', 'e'].map(name => `peer-${name}`)
      const sockets = await Promise.all(names.map(name => joined(name, ['doc'])))
      await Promise.all(sockets.map(socket => socket.waitForMessages(names.length - 1)))
      sockets.forEach((socket, i) => {
        const introduced = socket.controlMessages().map(m => m.peerId).sort()
        expect(introduced).toEqual(names.filter((_, j) => j !== i))
      })
    })

    it('should not crash when one peer disconnects mid-introduction: the other 4 are all introduced to each other', async () => {
      const names = ['a', 'b', 'c', 'd', 'e'].map(name => `peer-${name}`)
      const quitter = new RawPeer(`${relay.url}/introduction/${names[0]}`)
      raw.push(quitter)
      quitter.socket.once('open', () => {
        quitter.sendControl({ type: 'Join', documentIds: ['doc'] })
        quitter.socket.close()
      })
      const stayers = await Promise.all(names.slice(1).map(name => joined(name, ['doc'])))
      await quitter.closed
      for (const [i, socket] of stayers.entries()) {
        const others = names.slice(1).filter((_, j) => j !== i)
        await until(() => others.every(other => socket.controlMessages().some(m => m.peerId === other)), 5_000, () => `${names[i + 1]} introduced to ${others}`)
        // Whether the quitter was still there to be introduced depends on timing; nobody else is named.
        expect(socket.controlMessages().every(m => m.peerId === names[0] || others.includes(m.peerId!))).toBe(true)
      }
      expect(await introducedTo('late', ['doc'])).toEqual(names.slice(1))
    })
  })

  describe('Client.test.ts', () => {
    it('joins a documentId and connects to a peer', async () => {
      const alice = client('alice')
      const bob = client('bob')
      await connected(alice, bob)
      expect(alice.client.has('bob', 'doc')).toBe(true)
      expect(bob.client.has('alice', 'doc')).toBe(true)
    })

    it('both peers have the second document', async () => {
      const alice = client('alice')
      const bob = client('bob')
      alice.client.join('another-doc')
      bob.client.join('another-doc')
      await connected(alice, bob, 'another-doc')
      expect(alice.client.has('bob', 'another-doc')).toBe(true)
      expect(bob.client.has('alice', 'another-doc')).toBe(true)
    })

    it('leaves a documentId: the Client forgets it, and the relay introduces nobody to her on it any more', async () => {
      const alice = client('alice')
      const bob = client('bob')
      await connected(alice, bob)
      expect((alice.client as unknown as { documentIds: string[] }).documentIds).toContain('doc')
      alice.client.leave('doc')
      expect(alice.client.has('bob', 'doc')).toBe(false)
      expect((alice.client as unknown as { documentIds: string[] }).documentIds).not.toContain('doc')
      // Her next Join travels on the same socket after the Leave: once it is answered, the relay has
      // seen the Leave, and a newcomer on the document is introduced to bob alone.
      await joined('marker', ['marker-doc'])
      const answered = next(alice, 'peer-connect', 'marker', 'marker-doc')
      alice.client.join('marker-doc')
      await answered
      expect(await introducedTo('carol', ['doc'])).toEqual(['bob'])
    })

    it('Bob is disconnected from Alice and vice versa', async () => {
      const alice = client('alice')
      const bob = client('bob')
      await connected(alice, bob)
      alice.client.disconnectPeer('bob')
      await disconnected(alice, bob)
      expect(alice.client.has('bob', 'doc')).toBe(false)
      expect(bob.client.has('alice', 'doc')).toBe(false)
    })

    it('everyone is disconnected from Alice and vice versa', async () => {
      const alice = client('alice')
      const bob = client('bob')
      const charlie = client('charlie')
      await Promise.all([connected(alice, bob), connected(alice, charlie)])
      alice.client.disconnectServer()
      await Promise.all([next(alice, 'peer-disconnect', 'bob'), next(alice, 'peer-disconnect', 'charlie'), bob.waitForDisconnect('alice', 'doc'), charlie.waitForDisconnect('alice', 'doc')])
      for (const other of [bob, charlie]) {
        expect(alice.client.has(other.peerId, 'doc')).toBe(false)
        expect(other.client.has('alice', 'doc')).toBe(false)
      }
    })

    it("she's disconnected then she's connected again", async () => {
      const alice = client('alice')
      const bob = client('bob')
      await connected(alice, bob)
      alice.client.disconnectServer()
      await Promise.all([next(alice, 'peer-disconnect', 'bob'), bob.waitForDisconnect('alice', 'doc')])
      expect(alice.client.has('bob', 'doc')).toBe(false)
      expect(bob.client.has('alice', 'doc')).toBe(false)
      const aliceConnects = next(alice, 'peer-connect', 'bob')
      alice.client.connectToServer()
      alice.client.join('doc')
      await Promise.all([aliceConnects, bob.waitForPipe('alice', 'doc', 2)])
      expect(alice.client.has('bob', 'doc')).toBe(true)
      expect(bob.client.has('alice', 'doc')).toBe(true)
    })

    it('sends a message to a remote peer', async () => {
      const alice = client('alice')
      const bob = client('bob')
      await connected(alice, bob)
      alice.pipe('bob', 'doc')!.socket.send(pack('hello'))
      expect(decoded(await bob.waitForMessages('alice', 'doc', 1))).toEqual(['hello'])
    })

    it('stays open when peer disconnects', async () => {
      const alice = client('alice')
      const bob = client('bob')
      await connected(alice, bob)
      expect([alice.client.open, bob.client.open]).toEqual([true, true])
      alice.client.disconnectPeer('bob')
      await disconnected(alice, bob)
      expect([alice.client.open, bob.client.open]).toEqual([true, true])
    })

    it('closes when server disconnects', async () => {
      const alice = client('alice')
      const bob = client('bob')
      await connected(alice, bob)
      expect(alice.client.open).toBe(true)
      await until(() => clients.every(c => c.connectingPipes() === 0), 5_000, () => 'no pipe handshake in flight')
      await relay.stop()
      await until(() => alice.serverDisconnects >= 1, 5_000, () => 'server-disconnect')
      expect(alice.client.open).toBe(false)
    })
  })
})
