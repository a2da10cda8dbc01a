/** What each IPC channel does in the running app, over the controllers that do it. */
import { networkInterfaces } from 'node:os'
import { networkChoices } from './network-choices.js'
import type { InvokeHandlers, SendHandlers } from './ipc-main.js'
import type { RelayLifecycle } from './relay-lifecycle.js'
import type { SettingsStore } from './settings-store.js'
import type { WindowMonitorTransport } from './window-monitor-transport.js'

export interface AppControllers {
  settings: Pick<SettingsStore, 'settings' | 'update'>
  lifecycle: Pick<RelayLifecycle, 'status'>
  feed: Pick<WindowMonitorTransport, 'subscribe' | 'unsubscribe' | 'perform'>
  /** shell.openPath on the logs folder: resolves with an error message, or '' when it opened. */
  openLogsFolder(): Promise<string>
}

export function appIpcHandlers({ settings, lifecycle, feed, openLogsFolder }: AppControllers): { invoke: InvokeHandlers; send: SendHandlers } {
  return {
    invoke: {
      'settings:get': () => settings.settings,
      'settings:update': patch => settings.update(patch),
      'relay:status': () => lifecycle.status,
      'relay:network-interfaces': () => networkChoices(networkInterfaces()),
      'app:open-logs-folder': async () => {
        const problem = await openLogsFolder()
        if (problem) throw new Error(`The logs folder did not open: ${problem}`)
      },
    },
    send: {
      'monitor:subscribe': (_nothing, sender) => feed.subscribe(sender),
      'monitor:unsubscribe': (_nothing, sender) => feed.unsubscribe(sender.id),
      'monitor:request': (request, sender) => feed.perform(sender, request),
    },
  }
}
