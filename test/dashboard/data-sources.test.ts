import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MonitorClientMessage, MonitorServerMessage } from '../../shared/monitoring.js'
import type { SwitchboardBridge } from '../../shared/switchboard-bridge.js'
import { bridgeSource } from '../../src-renderer/data/bridge-source.js'
import type { FeedStatus } from '../../src-renderer/data/relay-data-source.js'
import { monitorUrl, websocketSource } from '../../src-renderer/data/websocket-source.js'
import { snapshotMessage } from './fixtures.js'

/** Stands in for the browser's WebSocket; the test opens, feeds and closes each instance. */
class FakeSocket {
  static readonly OPEN = 1
  static opened: FakeSocket[] = []
  readyState = 0
  sent: string[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null

  constructor(readonly url: string) {
    FakeSocket.opened.push(this)
  }

  send(text: string) {
    this.sent.push(text)
  }

  close() {
    this.readyState = 3
    this.onclose?.()
  }

  open() {
    this.readyState = 1
    this.onopen?.()
  }
}

afterEach(() => {
  FakeSocket.opened = []
  vi.useRealTimers()
})

describe('the monitoring WebSocket source', () => {
  it('connects to the monitoring path of the relay that served the page', () => {
    expect(monitorUrl({ protocol: 'http:', host: '192.168.1.20:8080' })).toBe('ws://192.168.1.20:8080/_switchboard/monitor')
    expect(monitorUrl({ protocol: 'https:', host: 'relay.example' })).toBe('wss://relay.example/_switchboard/monitor')
  })

  it('passes messages on, sends actions while open, and reconnects with a growing delay after a drop', () => {
    vi.useFakeTimers()
    const source = websocketSource('ws://relay/_switchboard/monitor', FakeSocket as unknown as typeof WebSocket)
    const statuses: FeedStatus[] = []
    const messages: MonitorServerMessage[] = []
    const stop = source.start({ status: status => statuses.push(status), message: message => messages.push(message) })
    const action: MonitorClientMessage = { type: 'close-pipe', pipeId: 3, requestId: 1 }
    expect(source.send(action)).toBe(false)

    const first = FakeSocket.opened[0]!
    first.open()
    first.onmessage!({ data: JSON.stringify(snapshotMessage()) })
    expect(messages.map(m => m.type)).toEqual(['snapshot'])
    expect(source.send(action)).toBe(true)
    expect(JSON.parse(first.sent[0]!)).toEqual(action)

    first.close()
    expect(statuses).toEqual(['connecting', 'live', 'offline'])
    vi.advanceTimersByTime(499)
    expect(FakeSocket.opened).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.opened).toHaveLength(2)
    FakeSocket.opened[1]!.close()
    vi.advanceTimersByTime(999)
    expect(FakeSocket.opened).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.opened).toHaveLength(3)

    stop()
    vi.advanceTimersByTime(10_000)
    expect(FakeSocket.opened).toHaveLength(3)
    expect(statuses.at(-1)).toBe('connecting')
  })
})

describe('the preload bridge source', () => {
  it('is live at once, passes the bridge messages on, and sends actions through it', () => {
    let listener: ((message: MonitorServerMessage) => void) | undefined
    const unsubscribe = vi.fn()
    const bridge: SwitchboardBridge = {
      subscribeMonitor: l => {
        listener = l
        return unsubscribe
      },
      sendMonitor: vi.fn(),
    }
    const source = bridgeSource(bridge)
    const statuses: FeedStatus[] = []
    const messages: MonitorServerMessage[] = []
    const stop = source.start({ status: status => statuses.push(status), message: message => messages.push(message) })
    listener!(snapshotMessage())
    expect([statuses, messages.map(m => m.type)]).toEqual([['live'], ['snapshot']])
    const action: MonitorClientMessage = { type: 'disconnect-peer', peerId: 'alice', requestId: 7 }
    expect(source.send(action)).toBe(true)
    expect(bridge.sendMonitor).toHaveBeenCalledWith(action)
    stop()
    expect(unsubscribe).toHaveBeenCalled()
  })
})
