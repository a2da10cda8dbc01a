/**
 * One monitoring publisher, two transports: a browser dashboard on the real monitoring WebSocket and
 * an app window over IPC (Electron's web contents faked) watch the real engine together. The clock
 * that paces publishes is faked, so the policy is checked to the millisecond without waiting on it;
 * sockets and the engine run for real.
 */
import { once } from 'node:events'
import { afterEach, beforeEach, describe, expect, test, vi, type MockInstance } from 'vitest'
import { WebSocket } from 'ws'
import { MONITOR_PATH, type MonitorServerMessage } from '../../shared/monitoring.js'
import type { RelaySnapshot } from '../../shared/relay-model.js'
import { WindowMonitorTransport } from '../../src-main/desktop/window/window-monitor-transport.js'
import { DashboardExtension } from '../../src-main/monitoring/dashboard-extension.js'
import { MonitorPublisher, PUBLISH_POLICY, type PublishPolicy } from '../../src-main/monitoring/monitor-publisher.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { nextEvent, openPeer, startRelay, type RawPeer } from '../helpers/relay.js'
import { FakeWebContents } from './fake-electron.js'

/** A browser dashboard on the monitoring socket: what it received, and a wait for more. */
class SocketDashboard {
  readonly socket: WebSocket
  readonly received: MonitorServerMessage[] = []
  refusedStatus: number | undefined

  constructor(url: string) {
    this.socket = new WebSocket(url.replace(/^http/, 'ws') + MONITOR_PATH, { perMessageDeflate: false })
    this.socket.on('message', (data: Buffer) => this.received.push(JSON.parse(data.toString()) as MonitorServerMessage))
    this.socket.on('unexpected-response', (_req, res) => {
      this.refusedStatus = res.statusCode
      res.resume()
      this.socket.terminate()
    })
    this.socket.on('error', () => {})
  }

  /** Resolves once `count` messages have arrived in all. */
  async until(count: number): Promise<MonitorServerMessage[]> {
    while (this.received.length < count) await once(this.socket, 'message')
    return this.received
  }
}

const window = () => new FakeWebContents()
const windowMessages = (contents: FakeWebContents) => contents.messages('monitor:message') as MonitorServerMessage[]

let relay: RelayServer
let url: string
let reads: MockInstance<() => RelaySnapshot>
const peers: RawPeer[] = []
const dashboards: SocketDashboard[] = []
let nextPeer = 1

beforeEach(async () => {
  ;({ relay, url } = await startRelay())
  reads = vi.spyOn(relay, 'snapshot')
  nextPeer = 1
})

afterEach(async () => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  for (const peer of peers.splice(0)) peer.socket.terminate()
  for (const dashboard of dashboards.splice(0)) dashboard.socket.terminate()
  await relay.close()
})

/** Both transports over one publisher, as the relay node wires them; publishes paced by the fake clock from here on. */
function wire(policy: Partial<PublishPolicy> = {}): { publisher: MonitorPublisher; windows: WindowMonitorTransport } {
  const publisher = new MonitorPublisher(relay, policy)
  relay.use(new DashboardExtension(relay, { files: new Map(), monitor: publisher }))
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] })
  return { publisher, windows: new WindowMonitorTransport(publisher) }
}

async function dashboard(): Promise<SocketDashboard> {
  const created = new SocketDashboard(url)
  dashboards.push(created)
  await created.until(1)
  return created
}

/** A peer connects for real; resolves once the engine has said so (a relay event). */
async function peerJoins(): Promise<void> {
  const connected = nextEvent(relay, event => event.kind === 'peer-connect')
  peers.push(await openPeer(url, `/introduction/peer-${nextPeer++}`))
  await connected
}

describe('one monitoring publisher, a dashboard socket and an app window', () => {
  test('both get the same messages from each publish: one model read and one serialisation, whatever the number watching', async () => {
    const { windows } = wire()
    const first = await dashboard()
    expect(reads).toHaveBeenCalledTimes(1)
    const app = window()
    windows.subscribe(app)
    const second = await dashboard()
    // Newcomers start from the state the others were last brought to: no read of their own.
    expect(reads).toHaveBeenCalledTimes(1)
    expect(windowMessages(app)[0]).toEqual(first.received[0])
    expect(second.received[0]).toEqual(first.received[0])

    const serialised = vi.spyOn(JSON, 'stringify')
    const updatesSerialised = () => serialised.mock.calls.filter(([value]) => (value as { type?: string } | null)?.type === 'update').length
    await peerJoins()
    for (let publish = 1; publish <= 4; publish++) {
      vi.advanceTimersByTime(PUBLISH_POLICY.intervalMs)
      expect(reads).toHaveBeenCalledTimes(1 + publish)
      expect(updatesSerialised()).toBe(publish)
      const expected = windowMessages(app)
      expect(expected).toHaveLength(1 + publish)
      expect(await first.until(1 + publish)).toEqual(expected)
      expect(await second.until(1 + publish)).toEqual(expected)
    }
    expect(windowMessages(app).some(message => message.type === 'update' && message.peers?.upserted.some(peer => peer.id === 'peer-1'))).toBe(true)
  })

  test('the publish policy is the same for a dashboard socket, an app window and both: regular publishes, early ones after an event but never closer than the minimum interval', async () => {
    const { intervalMs, minIntervalMs } = PUBLISH_POLICY
    const runs: Record<string, number[]> = {}
    for (const transports of [['socket'], ['window'], ['socket', 'window']]) {
      vi.useRealTimers()
      await relay.close()
      ;({ relay, url } = await startRelay())
      const { windows } = wire()
      const start = performance.now()
      const publishedAt: number[] = []
      const read = relay.snapshot.bind(relay)
      vi.spyOn(relay, 'snapshot').mockImplementation(() => {
        publishedAt.push(performance.now() - start)
        return read()
      })
      if (transports.includes('socket')) await dashboard()
      if (transports.includes('window')) windows.subscribe(window())
      const events: number[] = []
      for (let step = 0; step < 40; step++) {
        // Now and then, then without a pause: a relay that never stops changing.
        if (step % 7 === 3 || step >= 25) {
          await peerJoins()
          events.push(performance.now() - start)
        }
        vi.advanceTimersByTime(130)
      }
      vi.advanceTimersByTime(3 * intervalMs)

      const gaps = publishedAt.slice(1).map((at, i) => at - publishedAt[i]!)
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(minIntervalMs)
      expect(Math.max(...gaps)).toBeLessThanOrEqual(intervalMs)
      for (const at of events) {
        // A publish due at the very moment of an event may come after it at the same time.
        const before = publishedAt.filter(published => published < at).at(-1)!
        const after = publishedAt.find(published => published >= at)!
        expect(after).toBeLessThanOrEqual(Math.max(at, before + minIntervalMs))
      }
      expect(gaps.slice(-3)).toEqual([intervalMs, intervalMs, intervalMs])
      runs[transports.join('+')] = publishedAt
      for (const dashboard of dashboards.splice(0)) dashboard.socket.terminate()
    }
    expect(runs.window).toEqual(runs.socket)
    expect(runs['socket+window']).toEqual(runs.socket)
  })

  test('costs nothing once the last dashboard and window are gone: no relay listener, no timer, no model read', async () => {
    const { publisher, windows } = wire()
    const listenersBefore = relay.listenerCount('event')
    const watching = await dashboard()
    const app = window()
    windows.subscribe(app)
    expect(relay.listenerCount('event')).toBe(listenersBefore + 1)
    watching.socket.close()
    windows.unsubscribe(app.id)
    // The relay hears of the socket's close a few turns of the event loop after the dashboard does.
    while (publisher.subscriberCount > 0) await new Promise(resolve => setImmediate(resolve))
    expect(relay.listenerCount('event')).toBe(listenersBefore)
    expect(vi.getTimerCount()).toBe(0)
    const readsWhenIdle = reads.mock.calls.length
    await peerJoins()
    vi.advanceTimersByTime(10 * PUBLISH_POLICY.intervalMs)
    expect(reads).toHaveBeenCalledTimes(readsWhenIdle)
  })

  test('the subscriber cap counts dashboards and windows together, and never refuses the app\'s own window', async () => {
    const { publisher, windows } = wire({ maxSubscribers: 2 })
    await dashboard()
    const app = window()
    windows.subscribe(app)
    const refused = new SocketDashboard(url)
    dashboards.push(refused)
    await new Promise(resolve => refused.socket.once('close', resolve))
    expect(refused.refusedStatus).toBe(503)
    const another = window()
    windows.subscribe(another)
    expect(windowMessages(another)[0]?.type).toBe('snapshot')
    expect(publisher.subscriberCount).toBe(3)

    windows.unsubscribe(app.id)
    windows.unsubscribe(another.id)
    expect((await dashboard()).received[0]?.type).toBe('snapshot')
  })

  test('following a replaced engine starts the dashboard and the window over with its snapshot', async () => {
    const { publisher, windows } = wire()
    const watching = await dashboard()
    const app = window()
    windows.subscribe(app)
    vi.useRealTimers()
    const replacement = await startRelay()
    try {
      publisher.follow(replacement.relay)
      const restarted = (message: MonitorServerMessage | undefined) => message?.type === 'snapshot' && message.snapshot.urls[0] === replacement.url
      expect(restarted(windowMessages(app).at(-1))).toBe(true)
      expect(restarted((await watching.until(2))[1])).toBe(true)
      expect(relay.listenerCount('event')).toBe(0)
    } finally {
      await replacement.relay.close()
    }
  })
})
