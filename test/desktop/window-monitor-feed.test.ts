/**
 * The monitoring feed over IPC, against the real engine: the same messages as the monitoring
 * socket (snapshot, then updates, then action results), following the relay across restarts.
 */
import { afterEach, describe, expect, test } from 'vitest'
import type { MonitorServerMessage, MonitorSnapshotMessage, MonitorUpdateMessage } from '../../shared/monitoring.js'
import { WindowMonitorFeed, type FeedSubscriber } from '../../src-main/desktop/window-monitor-feed.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { eventually, openPeer, startRelay, type RawPeer } from '../helpers/relay.js'

class FakeWindow implements FeedSubscriber {
  static nextId = 1
  readonly id = FakeWindow.nextId++
  readonly received: MonitorServerMessage[] = []
  destroyed = false

  isDestroyed(): boolean {
    return this.destroyed
  }

  send(message: MonitorServerMessage): void {
    if (this.destroyed) throw new Error('sent to a destroyed window')
    this.received.push(message)
  }

  get updates(): MonitorUpdateMessage[] {
    return this.received.filter((message): message is MonitorUpdateMessage => message.type === 'update')
  }

  get snapshots(): MonitorSnapshotMessage[] {
    return this.received.filter((message): message is MonitorSnapshotMessage => message.type === 'snapshot')
  }
}

const relays: RelayServer[] = []
const peers: RawPeer[] = []
const feeds: WindowMonitorFeed[] = []

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.socket.terminate()
  for (const feed of feeds.splice(0)) feed.close()
  await Promise.all(relays.splice(0).map(relay => relay.close()))
})

async function relay() {
  const started = await startRelay()
  relays.push(started.relay)
  return started
}

function feed(): WindowMonitorFeed {
  const created = new WindowMonitorFeed({ intervalMs: 50, minIntervalMs: 10 })
  feeds.push(created)
  return created
}

describe('window monitoring feed', () => {
  test('a window gets the whole model first, then updates with what changed', async () => {
    const { relay: engine, url } = await relay()
    const windows = feed()
    windows.watch(engine)
    const window = new FakeWindow()
    windows.subscribe(window)
    expect(window.received[0]).toMatchObject({ type: 'snapshot', protocol: 1, snapshot: { listening: true, peers: [] } })
    const peer = await openPeer(url, '/introduction/alice')
    peers.push(peer)
    await eventually(() => window.updates.some(update => update.peers?.upserted.some(view => view.id === 'alice')), 5_000, 'alice in an update')
  })

  test('admin actions answer the window that asked, with the monitoring socket\'s wording', async () => {
    const { relay: engine, url } = await relay()
    const windows = feed()
    windows.watch(engine)
    const asking = new FakeWindow()
    const watching = new FakeWindow()
    windows.subscribe(asking)
    windows.subscribe(watching)
    const peer = await openPeer(url, '/introduction/bob')
    peers.push(peer)
    await eventually(() => engine.health().counts.peers === 1, 5_000, 'bob connected')
    windows.perform(asking, { type: 'disconnect-peer', peerId: 'bob', requestId: 1 })
    windows.perform(asking, { type: 'close-pipe', pipeId: 99, requestId: 2 })
    const results = asking.received.filter(message => message.type === 'action-result')
    expect(results).toEqual([
      { type: 'action-result', requestId: 1, ok: true, message: 'Disconnected peer bob' },
      { type: 'action-result', requestId: 2, ok: false, message: 'Pipe 99 is not open' },
    ])
    expect(watching.received.some(message => message.type === 'action-result')).toBe(false)
    await peer.closed
    expect(peer.closeCode).toBe(4001)
  })

  test('a new relay (restart, new port) starts every window over with a snapshot', async () => {
    const first = await relay()
    const second = await relay()
    const windows = feed()
    windows.watch(first.relay)
    const window = new FakeWindow()
    windows.subscribe(window)
    windows.watch(second.relay)
    expect(window.received.map(message => message.type)).toEqual(['snapshot', 'snapshot'])
    expect(window.snapshots.map(message => message.snapshot.urls)).toEqual([[first.url], [second.url]])
    const peer = await openPeer(second.url, '/introduction/carol')
    peers.push(peer)
    await eventually(() => window.updates.some(update => update.peers?.upserted.some(view => view.id === 'carol')), 5_000, 'carol from the new relay')
  })

  test('a window that subscribes before any relay exists gets its snapshot when one arrives', async () => {
    const { relay: engine } = await relay()
    const windows = feed()
    const window = new FakeWindow()
    windows.subscribe(window)
    expect(window.received).toEqual([])
    windows.watch(engine)
    expect(window.received[0]?.type).toBe('snapshot')
  })

  test('a closed window is dropped without an error; unsubscribing stops all work', async () => {
    const { relay: engine } = await relay()
    const windows = feed()
    windows.watch(engine)
    const gone = new FakeWindow()
    const staying = new FakeWindow()
    windows.subscribe(gone)
    windows.subscribe(staying)
    gone.destroyed = true
    await eventually(() => staying.updates.length >= 2, 5_000, 'two updates')
    windows.unsubscribe(staying.id)
    const count = staying.received.length
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(staying.received.length).toBe(count)
    // The feed no longer listens to the engine.
    expect(engine.listenerCount('event')).toBe(0)
  })

  test('the same window subscribing again (a reload) is one subscriber with a fresh snapshot', async () => {
    const { relay: engine } = await relay()
    const windows = feed()
    windows.watch(engine)
    const window = new FakeWindow()
    windows.subscribe(window)
    windows.subscribe(window)
    expect(window.snapshots).toHaveLength(2)
    windows.unsubscribe(window.id)
    expect(engine.listenerCount('event')).toBe(0)
  })
})
