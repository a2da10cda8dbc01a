/**
 * The monitoring feed over IPC, against the real engine: the same messages as the monitoring
 * socket (snapshot, then updates, then action results), following the relay across restarts.
 */
import { afterEach, describe, expect, test } from 'vitest'
import type { MonitorServerMessage, MonitorSnapshotMessage, MonitorUpdateMessage } from '../../shared/monitoring.js'
import { MonitorPublisher } from '../../src-main/monitoring/monitor-publisher.js'
import { WindowMonitorTransport } from '../../src-main/desktop/window/window-monitor-transport.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { nextEvent, openPeer, startRelay, type RawPeer } from '../helpers/relay.js'
import { FakeWebContents } from './fake-electron.js'

const relays: RelayServer[] = []
const peers: RawPeer[] = []
const transports: WindowMonitorTransport[] = []

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.socket.terminate()
  for (const transport of transports.splice(0)) transport.close()
  await Promise.all(relays.splice(0).map(relay => relay.close()))
})

async function relay() {
  const started = await startRelay()
  relays.push(started.relay)
  return started
}

function windowsOf(publisher: MonitorPublisher): WindowMonitorTransport {
  const created = new WindowMonitorTransport(publisher)
  transports.push(created)
  return created
}

/** A window's web contents that also says when the feed sent it something. */
class Window extends FakeWebContents {
  override send(channel: string, message: unknown): void {
    super.send(channel, message)
    this.emit(channel, message)
  }

  get received(): MonitorServerMessage[] {
    return this.messages('monitor:message') as MonitorServerMessage[]
  }

  get snapshots(): MonitorSnapshotMessage[] {
    return this.received.filter((message): message is MonitorSnapshotMessage => message.type === 'snapshot')
  }

  /** The first update from now on that satisfies `match`. */
  nextUpdate(match: (update: MonitorUpdateMessage) => boolean = () => true): Promise<MonitorUpdateMessage> {
    return new Promise(resolve => {
      const listener = (message: MonitorServerMessage) => {
        if (message.type !== 'update' || !match(message)) return
        this.off('monitor:message', listener)
        resolve(message)
      }
      this.on('monitor:message', listener)
    })
  }
}

const upserts = (id: string) => (update: MonitorUpdateMessage) => update.peers?.upserted.some(view => view.id === id) === true

describe('window monitoring transport', () => {
  test('a window gets the whole model first, then updates with what changed', async () => {
    const { relay: engine, url } = await relay()
    const publisher = new MonitorPublisher(engine, { intervalMs: 200, minIntervalMs: 10 })
    const windows = windowsOf(publisher)
    const window = new Window()
    windows.subscribe(window)
    expect(window.received[0]).toMatchObject({ type: 'snapshot', protocol: 1, snapshot: { listening: true, peers: [] } })
    const alice = window.nextUpdate(upserts('alice'))
    peers.push(await openPeer(url, '/introduction/alice'))
    await alice
  })

  test("admin actions answer the window that asked, with the monitoring socket's wording", async () => {
    const { relay: engine, url } = await relay()
    const windows = windowsOf(new MonitorPublisher(engine))
    const asking = new Window()
    const watching = new Window()
    windows.subscribe(asking)
    windows.subscribe(watching)
    const connected = nextEvent(engine, event => event.kind === 'peer-connect')
    const peer = await openPeer(url, '/introduction/bob')
    peers.push(peer)
    await connected
    windows.perform(asking, { type: 'disconnect-peer', peerId: 'bob', requestId: 1 })
    windows.perform(asking, { type: 'close-pipe', pipeId: 99, requestId: 2 })
    expect(asking.received.filter(message => message.type === 'action-result')).toEqual([
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
    const publisher = new MonitorPublisher(first.relay, { intervalMs: 200, minIntervalMs: 10 })
    const windows = windowsOf(publisher)
    const window = new Window()
    windows.subscribe(window)
    publisher.follow(second.relay)
    expect(window.received.map(message => message.type)).toEqual(['snapshot', 'snapshot'])
    expect(window.snapshots.map(message => message.snapshot.urls)).toEqual([[first.url], [second.url]])
    expect(first.relay.listenerCount('event')).toBe(0)
    const carol = window.nextUpdate(upserts('carol'))
    peers.push(await openPeer(second.url, '/introduction/carol'))
    await carol
  })

  test('a window that subscribes before any relay exists gets its snapshot when one arrives', async () => {
    const { relay: engine } = await relay()
    const publisher = new MonitorPublisher()
    const windows = windowsOf(publisher)
    const window = new Window()
    windows.subscribe(window)
    expect(window.received).toEqual([])
    publisher.follow(engine)
    expect(window.received[0]?.type).toBe('snapshot')
  })

  test('a closed window is dropped without an error; the last one unsubscribing stops all work', async () => {
    const { relay: engine } = await relay()
    const publisher = new MonitorPublisher(engine, { intervalMs: 20, minIntervalMs: 10 })
    const windows = windowsOf(publisher)
    const gone = new Window()
    const staying = new Window()
    windows.subscribe(gone)
    windows.subscribe(staying)
    gone.destroyed = true
    await staying.nextUpdate()
    expect(publisher.subscriberCount).toBe(1)
    windows.unsubscribe(staying.id)
    expect(publisher.subscriberCount).toBe(0)
    expect(engine.listenerCount('event')).toBe(0)
  })

  test('the same window subscribing again (a reload) is one subscriber with a fresh snapshot', async () => {
    const { relay: engine } = await relay()
    const publisher = new MonitorPublisher(engine)
    const windows = windowsOf(publisher)
    const window = new Window()
    windows.subscribe(window)
    windows.subscribe(window)
    expect(window.snapshots).toHaveLength(2)
    expect(publisher.subscriberCount).toBe(1)
    windows.unsubscribe(window.id)
    expect(engine.listenerCount('event')).toBe(0)
  })
})
