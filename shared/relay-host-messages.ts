/**
 * The messages between the desktop app's main process and the relay host, the utility process
 * that runs the relay node so the tray and the window never wait on relay work. Structured-clone
 * data only: Electron's utilityProcess and a Node child_process fork both carry it as is.
 */
import type { MonitorClientMessage, MonitorServerMessage } from './monitoring.js'
import type { RelayNodeOptions, RestartCause } from './relay-node-options.js'
import type { AdvertisingView } from './relay-model.js'

/** What the node needs besides its options, as plain data: the host builds its hooks from it. */
export interface RelayHostSetup {
  /** The built dashboard's folder (the app's renderer files). */
  dashboardDir?: string
  /** Where discovery keeps its instance id; the platform's config folder when omitted. */
  stateDir?: string
  caDirectory?: string
  /** Where the recently-seen history is kept; beside the instance ids when omitted. */
  historyDir?: string
  frontEnd: 'app' | 'relay'
  goodbyeTimeoutMs?: number
}

/** main → host. Every request carries an id; its `reply` carries the same one. */
export type ToRelayHost =
  /** First, once: what the node runs with. */
  | { type: 'init'; options: RelayNodeOptions; setup: RelayHostSetup }
  | { type: 'start'; id: number }
  /** Goodbyes first, then every socket closes; with `exit` the host then leaves (the app quits). */
  | { type: 'stop'; id: number; exit: boolean }
  | { type: 'reconfigure'; id: number; options: RelayNodeOptions }
  /** A window starts or stops watching the monitoring feed, named by the main process's own number for it. */
  | { type: 'monitor-subscribe'; sink: number }
  | { type: 'monitor-unsubscribe'; sink: number }
  | { type: 'monitor-request'; sink: number; request: MonitorClientMessage }

/** Where the relay listens, as ListeningAddress has it. */
export interface HostListening {
  port: number
  url: string
  urls: string[]
}

/** Why a request failed: a ListenFailure's fields, or a refusal of the options in words. */
export type HostFailure =
  | { kind: 'listen'; code: 'port-in-use' | 'port-not-allowed' | 'host-not-local' | 'other'; host: string | undefined; port: number; detail: string }
  | { kind: 'refused'; message: string }

export type HostReply =
  | { type: 'reply'; id: number; ok: true; listening?: HostListening; restarted?: RestartCause[] }
  | { type: 'reply'; id: number; ok: false; failure: HostFailure }

/** host → main. */
export type FromRelayHost =
  | HostReply
  | { type: 'advertising'; view: AdvertisingView }
  | { type: 'problem'; problem: NodeProblem }
  /** The tray's summary, sent when it changes (read once a second while running). */
  | { type: 'activity'; peers: number; devices: string[]; syncing: boolean }
  /** A notable relay event as a log line (`append`), or a count of the ones left out (`write`). */
  | { type: 'log'; kind: 'append' | 'write'; text: string }
  | { type: 'monitor'; sink: number; message: MonitorServerMessage }

/** Something went wrong that does not stop the relay; each front end words it. */
export type NodeProblem =
  | { code: 'discovery-failed'; message: string }
  | { code: 'goodbyes-timed-out'; timeoutMs: number }
  | { code: 'goodbyes-failed'; message: string }
  /** TLS could not be set up (the CA folder cannot be written, ...): the relay serves ws:// only. */
  | { code: 'tls-failed'; message: string }
  /** The recently-seen history could not be read, written or started; the relay runs on. */
  | { code: 'history-failed'; message: string }
