/**
 * The relay host: the relay node in a process of its own (Electron's utility process), so relaying
 * at full speed never stalls the tray or the window in the main process. It runs RelayNode with the
 * options and setup the main process sends, answers each request by id, and reports what the tray,
 * the log and the window need. Plain Node, no Electron import.
 */
import type { FromRelayHost, HostFailure, RelayHostSetup, ToRelayHost } from '../../../shared/relay-host-messages.js'
import type { RelayNodeOptions } from '../../../shared/relay-node-options.js'
import { loadDashboardFiles } from '../../monitoring/dashboard-files.js'
import { Outgoing, type MonitorSink } from '../../monitoring/monitor-publisher.js'
import { eventLogger } from '../../node/event-logger.js'
import { ListenFailure } from '../../node/listen-failure.js'
import { RelayNode } from '../../node/relay-node.js'
import { ACTIVITY_SAMPLE_MS, relayActivity } from '../relay/relay-activity.js'
import { hostPort, type HostPort } from './host-port.js'

/** A window in the main process, as the monitoring feed here sees it. */
class ForwardingSink implements MonitorSink {
  /** The channel to the main process queues out of sight, and the main process keeps up with a few messages a second. */
  readonly queuedBytes = 0
  open = true

  constructor(
    private readonly port: HostPort,
    readonly id: number,
  ) {}

  send(message: Outgoing): void {
    this.port.send({ type: 'monitor', sink: this.id, message: message.message })
  }
}

export function runRelayHost(port: HostPort, options: RelayNodeOptions, setup: RelayHostSetup): void {
  const node = new RelayNode(options, {
    dashboardFiles: setup.dashboardDir === undefined ? undefined : loadDashboardFiles(setup.dashboardDir),
    discovery: { frontEnd: setup.frontEnd, stateDir: setup.stateDir },
    tls: { caDirectory: setup.caDirectory },
    history: { dir: setup.historyDir },
    goodbyeTimeoutMs: setup.goodbyeTimeoutMs,
  })
  const send = (message: FromRelayHost) => port.send(message)
  node.on('advertising', view => send({ type: 'advertising', view }))
  node.on('problem', problem => send({ type: 'problem', problem }))
  node.on('engine', relay =>
    relay.on(
      'event',
      eventLogger({ verbose: false, line: text => send({ type: 'log', kind: 'append', text }), skipped: count => send({ type: 'log', kind: 'write', text: `(${count} more relay events not logged)` }) }),
    ),
  )

  let lastActivity = ''
  // Polled, as the tray always did: "syncing" is a rate, which changes without any event.
  setInterval(() => {
    const relay = node.relay
    if (!relay?.listening) return
    const activity = relayActivity(relay.snapshot())
    const text = JSON.stringify(activity)
    if (text === lastActivity) return
    lastActivity = text
    send({ type: 'activity', ...activity })
  }, ACTIVITY_SAMPLE_MS).unref()

  const sinks = new Map<number, ForwardingSink>()
  const answer = async (id: number, work: () => Promise<Omit<Extract<FromRelayHost, { ok: true }>, 'type' | 'id' | 'ok'>>) => {
    try {
      send({ type: 'reply', id, ok: true, ...(await work()) })
    } catch (error) {
      send({ type: 'reply', id, ok: false, failure: hostFailure(error as Error) })
    }
  }

  port.onMessage(message => {
    switch (message.type) {
      case 'start':
        return void answer(message.id, async () => {
          const { port: listeningPort, url, urls } = await node.start()
          lastActivity = ''
          return { listening: { port: listeningPort, url, urls } }
        })
      case 'stop':
        // The acknowledgement goes out before the channel closes: the main process waits for it.
        return void answer(message.id, async () => (await node.stop(), {})).then(() => message.exit && port.close())
      case 'reconfigure':
        return void answer(message.id, async () => {
          const { restarted } = await node.reconfigure(message.options)
          const listening = node.listening
          return { restarted, listening: listening && { port: listening.port, url: listening.url, urls: listening.urls } }
        })
      case 'monitor-subscribe': {
        const sink = new ForwardingSink(port, message.sink)
        sinks.set(message.sink, sink)
        // The app's own windows are never refused; see WindowMonitorTransport.
        return void node.monitor.subscribe(sink, { capped: false })
      }
      case 'monitor-unsubscribe': {
        const sink = sinks.get(message.sink)
        if (!sink) return
        sinks.delete(message.sink)
        sink.open = false
        return node.monitor.unsubscribe(sink)
      }
      case 'monitor-request':
        return node.monitor.perform(sinks.get(message.sink) ?? new ForwardingSink(port, message.sink), message.request)
    }
  })
}

function hostFailure(error: Error): HostFailure {
  if (error instanceof ListenFailure) return { kind: 'listen', code: error.code, host: error.host, port: error.port, detail: error.detail }
  return { kind: 'refused', message: error.message }
}

/** The bundle's entry: the options and setup come as the first message, before any request. */
export function relayHostMain(): void {
  const port = hostPort()
  let started = false
  port.onMessage(message => {
    if (started || message.type !== 'init') return
    started = true
    runRelayHost(port, message.options, message.setup)
  })
}
