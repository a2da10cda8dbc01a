/**
 * The window's side of IPC, derived from shared/ipc-schema.ts: typed calls for every channel, and
 * the two objects the preload script exposes. Listeners get the message only, never Electron's
 * event (which carries `sender` and its IPC methods).
 */
import type { IpcRenderer } from 'electron'
import type {
  DesktopBridge,
  InvokeChannel,
  IpcResult,
  NotificationOf,
  NotifyChannel,
  RequestOf,
  ResponseOf,
  SendChannel,
} from '../../shared/ipc-schema.js'
import type { SwitchboardBridge } from '../../shared/switchboard-bridge.js'

type Renderer = Pick<IpcRenderer, 'invoke' | 'send' | 'on' | 'removeListener'>

/** Arguments for a channel: none for the ones that take nothing. */
type Arguments<C extends InvokeChannel | SendChannel> = RequestOf<C> extends void ? [] : [RequestOf<C>]

export class IpcClient {
  constructor(private readonly ipc: Renderer) {}

  /** Resolves with main's answer, or rejects with its message. */
  async invoke<C extends InvokeChannel>(channel: C, ...request: Arguments<C>): Promise<ResponseOf<C>> {
    const result = (await this.ipc.invoke(channel, ...request)) as IpcResult<ResponseOf<C>>
    if (result.type === 'error') throw new Error(result.message)
    return result.value
  }

  send<C extends SendChannel>(channel: C, ...message: Arguments<C>): void {
    this.ipc.send(channel, ...message)
  }

  /** Returns a function that stops listening. */
  listen<C extends NotifyChannel>(channel: C, listener: (message: NotificationOf<C>) => void): () => void {
    const handler = (_event: unknown, message: NotificationOf<C>) => listener(message)
    this.ipc.on(channel, handler)
    return () => this.ipc.removeListener(channel, handler)
  }
}

export function dashboardBridge(client: IpcClient): SwitchboardBridge {
  // Main keeps one subscription per window; the page may hold several listeners (React's strict
  // mode mounts twice), so main hears "unsubscribe" only when the last one goes.
  let listeners = 0
  return {
    subscribeMonitor(listener) {
      const stop = client.listen('monitor:message', listener)
      listeners++
      // Every subscribe asks for a fresh snapshot, which the new listener needs first.
      client.send('monitor:subscribe')
      let stopped = false
      return () => {
        if (stopped) return
        stopped = true
        stop()
        if (--listeners === 0) client.send('monitor:unsubscribe')
      }
    },
    sendMonitor(message) {
      client.send('monitor:request', message)
    },
  }
}

export function desktopBridge(client: IpcClient): DesktopBridge {
  return {
    getSettings: () => client.invoke('settings:get'),
    updateSettings: patch => client.invoke('settings:update', patch),
    getRelayStatus: () => client.invoke('relay:status'),
    listNetworkInterfaces: () => client.invoke('relay:network-interfaces'),
    openLogsFolder: () => client.invoke('app:open-logs-folder'),
    onRelayStatus: listener => client.listen('relay:status-changed', listener),
    onSettings: listener => client.listen('settings:changed', listener),
    getShell: () => client.invoke('app:shell'),
    onShell: listener => client.listen('app:shell-changed', listener),
    quit: () => client.invoke('app:quit'),
  }
}
