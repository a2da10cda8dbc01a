/**
 * The monitoring feed over IPC, for the app's window: it carries the publisher's messages (the same
 * the monitoring socket carries, so the dashboard cannot tell its data source apart) and brings back
 * admin requests, which the IPC layer has already parsed.
 */
import type { WebContents } from 'electron'
import type { MonitorClientMessage } from '../../../shared/monitoring.js'
import type { MonitorSink, Outgoing } from '../../monitoring/monitor-publisher.js'
import type { MonitorAccess } from '../relay-host/hosted-monitor.js'
import { notify } from '../ipc/ipc-main.js'

export type MonitorWindow = Pick<WebContents, 'id' | 'isDestroyed' | 'send'>

class WindowSink implements MonitorSink {
  /** Electron queues IPC messages out of sight, and a window in this process keeps up with a few a second. */
  readonly queuedBytes = 0

  constructor(readonly contents: MonitorWindow) {}

  /** A window closed or crashed without unsubscribing is dropped by the publisher. */
  get open(): boolean {
    return !this.contents.isDestroyed()
  }

  send(message: Outgoing): void {
    // Electron clones the object for each window itself; JSON text would only be parsed again.
    notify(this.contents, 'monitor:message', message.message)
  }
}

export class WindowMonitorTransport {
  private readonly windows = new Map<number, WindowSink>()

  constructor(private readonly publisher: MonitorAccess) {}

  /** A window (re)starts watching, on load or reload: it gets a snapshot, then updates. */
  subscribe(contents: MonitorWindow): void {
    this.unsubscribe(contents.id)
    for (const [id, sink] of this.windows) if (!sink.open) this.windows.delete(id)
    const sink = new WindowSink(contents)
    // The app's own windows are never refused: other devices' dashboards filling the cap must not
    // leave the person at this machine with an empty window. They still count toward the cap.
    this.publisher.subscribe(sink, { capped: false })
    this.windows.set(contents.id, sink)
  }

  unsubscribe(id: number): void {
    const sink = this.windows.get(id)
    if (!sink) return
    this.windows.delete(id)
    this.publisher.unsubscribe(sink)
  }

  /** An admin action from a window; the answer goes back to that window. */
  perform(contents: MonitorWindow, request: MonitorClientMessage): void {
    this.publisher.perform(this.windows.get(contents.id) ?? new WindowSink(contents), request)
  }

  close(): void {
    for (const id of [...this.windows.keys()]) this.unsubscribe(id)
  }
}
