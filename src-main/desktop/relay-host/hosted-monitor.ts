/**
 * The monitoring feed of a relay in the host process, as the window transport subscribes to it:
 * each window is a number on the channel, and the host's messages for it are handed to its sink.
 */
import type { MonitorClientMessage, MonitorServerMessage } from '../../../shared/monitoring.js'
import type { ToRelayHost } from '../../../shared/relay-host-messages.js'
import { Outgoing, type MonitorPublisher, type MonitorSink } from '../../monitoring/monitor-publisher.js'

/** What a transport uses of a monitoring feed, wherever the relay runs. */
export type MonitorAccess = Pick<MonitorPublisher, 'subscribe' | 'unsubscribe' | 'perform'>

export class HostedMonitor implements MonitorAccess {
  private readonly ids = new Map<MonitorSink, number>()
  private readonly sinks = new Map<number, MonitorSink>()
  private nextId = 1

  constructor(private readonly post: (message: ToRelayHost) => void) {}

  /** Windows are never refused (see WindowMonitorTransport); the host counts them toward its cap. */
  subscribe(sink: MonitorSink): boolean {
    if (this.ids.has(sink)) return true
    const id = this.nextId++
    this.ids.set(sink, id)
    this.sinks.set(id, sink)
    this.post({ type: 'monitor-subscribe', sink: id })
    return true
  }

  unsubscribe(sink: MonitorSink): void {
    const id = this.ids.get(sink)
    if (id === undefined) return
    this.ids.delete(sink)
    this.sinks.delete(id)
    this.post({ type: 'monitor-unsubscribe', sink: id })
  }

  perform(sink: MonitorSink, request: MonitorClientMessage): void {
    this.subscribe(sink)
    this.post({ type: 'monitor-request', sink: this.ids.get(sink)!, request })
  }

  /** A message from the host for one window; a window gone since is unsubscribed. */
  deliver(id: number, message: MonitorServerMessage): void {
    const sink = this.sinks.get(id)
    if (!sink) return
    if (!sink.open) return this.unsubscribe(sink)
    sink.send(new Outgoing(message))
  }

  /** A new host process knows no windows: every one watching subscribes again (and gets a snapshot). */
  resubscribeAll(): void {
    for (const id of this.sinks.keys()) this.post({ type: 'monitor-subscribe', sink: id })
  }
}
