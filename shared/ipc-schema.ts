/**
 * Every IPC message between the desktop app's main process and its window, typed once. The main
 * process derives its handler and notify types from `IPC`, the preload script its calls, so a
 * channel cannot be added, renamed or retyped on one side only. Nothing here imports Electron: the
 * renderer's settings view reads these types too.
 *
 * Three kinds of channel:
 * - invoke: the window asks, main answers with an IpcResult (errors cross as data, not as throws);
 * - send: the window tells main something and expects no answer;
 * - notify: main tells the window something.
 */
import type { RelayLimits } from './limits.js'
import type { MonitorClientMessage, MonitorServerMessage } from './monitoring.js'
import type { RestartCause } from './relay-node-options.js'

/** What the user can change in the app; stored by the main process (electron-store). */
export interface DesktopSettings {
  /** TCP port of the relay and of its dashboard for browsers. */
  port: number
  /** The address to listen on; '' listens on every interface. */
  listenAddress: string
  /** Announce the relay on the LAN over mDNS (`_lf-relay._tcp`). */
  advertise: boolean
  /** Interface names to advertise on, and no others; empty: every interface that leads to the LAN. */
  advertiseInterfaces: string[]
  /** Other devices see the relay as "Switchboard on <name>"; '' uses this machine's host name. */
  relayName: string
  /** Rank among relays on one LAN: apps pick the highest, then the relay running longest. */
  priority: number
  /** Lets other devices open the dashboard with this token (at least 12 characters); '' for this machine only. */
  adminToken: string
  /** Every app must present this token to use the relay (shared/access-tokens.ts); '' for none. */
  accessToken: string
  /** Accept apps from public addresses too; by default only loopback, private and link-local ones. */
  allowPublic: boolean
  /** Overrides of the relay's limits; a limit left out keeps the engine's default. */
  limits: Partial<RelayLimits>
  /** Keep the devices seen in the last 7 days (RelayNodeOptions.history); off forgets them. */
  history: boolean
  startAtLogin: boolean
}

/** The settings to change; the rest stay as they are. */
export type SettingsPatch = Partial<DesktopSettings>

/** What the relay inside the app is doing, for the tray and the window. */
export type RelayStatus =
  /** `restart`: a running relay restarts (every app reconnects) because these changed. */
  | { phase: 'starting'; port: number; restart?: RestartCause[] }
  /**
   * `devices`: who is connected, by name (the address until a name is known), sorted;
   * `syncing`: data went through a pipe in the last second.
   */
  | { phase: 'running'; port: number; urls: string[]; peers: number; devices: string[]; syncing: boolean }
  | { phase: 'paused' }
  /** It could not start (a busy port, say) and waits for new settings or a retry. */
  | { phase: 'error'; port: number; message: string }
  /** The app is quitting. */
  | { phase: 'stopped' }

/** A network interface the settings view offers to listen or advertise on. */
export interface NetworkInterfaceChoice {
  name: string
  addresses: string[]
}

/** How every invoke answer crosses: an error is a value the window shows, never a thrown IPC error. */
export type IpcResult<T> = { type: 'success'; value: T } | { type: 'error'; message: string }

// Phantom types: the objects below exist at runtime only to name and classify channels.
interface InvokeSpec<Request, Response> {
  kind: 'invoke'
  types?: (request: Request) => Response
}
interface SendSpec<Message> {
  kind: 'send'
  types?: (message: Message) => void
}
interface NotifySpec<Message> {
  kind: 'notify'
  types?: (message: Message) => void
}

const invoke = <Request, Response>(): InvokeSpec<Request, Response> => ({ kind: 'invoke' })
const send = <Message>(): SendSpec<Message> => ({ kind: 'send' })
const notify = <Message>(): NotifySpec<Message> => ({ kind: 'notify' })

/** The schema: channel name → kind and payload types. */
export const IPC = {
  'settings:get': invoke<void, DesktopSettings>(),
  'settings:update': invoke<SettingsPatch, DesktopSettings>(),
  'settings:changed': notify<DesktopSettings>(),
  'relay:status': invoke<void, RelayStatus>(),
  'relay:status-changed': notify<RelayStatus>(),
  'relay:network-interfaces': invoke<void, NetworkInterfaceChoice[]>(),
  'app:open-logs-folder': invoke<void, void>(),
  /** The window starts watching the monitoring feed: a `snapshot` comes first. */
  'monitor:subscribe': send<void>(),
  'monitor:unsubscribe': send<void>(),
  /** An admin action; its `action-result` comes back on `monitor:message`. */
  'monitor:request': send<MonitorClientMessage>(),
  'monitor:message': notify<MonitorServerMessage>(),
} as const

type Schema = typeof IPC
type ChannelsOf<Kind extends string> = { [C in keyof Schema]: Schema[C]['kind'] extends Kind ? C : never }[keyof Schema]

export type IpcChannel = keyof Schema
export type InvokeChannel = ChannelsOf<'invoke'>
export type SendChannel = ChannelsOf<'send'>
export type NotifyChannel = ChannelsOf<'notify'>

/** What the window sends on a channel (invoke request or send message). */
export type RequestOf<C extends InvokeChannel | SendChannel> = Schema[C] extends { types?: (request: infer R) => unknown } ? R : never
export type ResponseOf<C extends InvokeChannel> = Schema[C] extends InvokeSpec<never, infer R> ? R : never
export type NotificationOf<C extends NotifyChannel> = Schema[C] extends NotifySpec<infer M> ? M : never

export const channelsOfKind = <Kind extends Schema[IpcChannel]['kind']>(kind: Kind): ChannelsOf<Kind>[] =>
  (Object.keys(IPC) as IpcChannel[]).filter((channel): channel is ChannelsOf<Kind> => IPC[channel].kind === kind)

/**
 * What the preload script exposes as `window.switchboardDesktop`: the app's own controls, beside the
 * dashboard's `window.switchboard` (SwitchboardBridge). Rejected promises carry the main
 * process's message for the user.
 */
export interface DesktopBridge {
  getSettings(): Promise<DesktopSettings>
  updateSettings(patch: SettingsPatch): Promise<DesktopSettings>
  getRelayStatus(): Promise<RelayStatus>
  listNetworkInterfaces(): Promise<NetworkInterfaceChoice[]>
  openLogsFolder(): Promise<void>
  /** Calls `listener` whenever the relay's status changes; returns a function that stops it. */
  onRelayStatus(listener: (status: RelayStatus) => void): () => void
  /** Calls `listener` when settings change elsewhere (the tray's "Start at login"). */
  onSettings(listener: (settings: DesktopSettings) => void): () => void
}

/** The names the preload script exposes in the window (`window.switchboard` is SwitchboardBridge), and nothing else. */
export const EXPOSED_API = { dashboard: 'switchboard', desktop: 'switchboardDesktop' } as const

declare global {
  interface Window {
    /** Present only inside the desktop app. */
    switchboardDesktop?: DesktopBridge
  }
}
