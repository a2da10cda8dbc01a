/** What each IPC channel does in the running app, over the controllers that do it. */
import { networkInterfaces } from 'node:os'
import type { AppShellState, DesktopSettings } from '../../../shared/ipc-schema.js'
import { settingsNodeOptions } from '../../../shared/settings-node-options.js'
import { checkNodeOptions } from '../../node/check-options.js'
import { networkChoices } from '../settings/network-choices.js'
import type { InvokeHandlers, SendHandlers } from './ipc-main.js'
import type { RelayLifecycle } from '../relay/relay-lifecycle.js'
import type { SettingsStore } from '../settings/settings-store.js'
import type { WindowMonitorTransport } from '../window/window-monitor-transport.js'

export interface AppControllers {
  settings: Pick<SettingsStore, 'settings' | 'update'>
  lifecycle: Pick<RelayLifecycle, 'status' | 'settled'>
  feed: Pick<WindowMonitorTransport, 'subscribe' | 'unsubscribe' | 'perform'>
  /** shell.openPath on the logs folder: resolves with an error message, or '' when it opened. */
  openLogsFolder(): Promise<string>
  shell(): AppShellState
  quit(): void
}

export function appIpcHandlers({ settings, lifecycle, feed, openLogsFolder, shell, quit }: AppControllers): { invoke: InvokeHandlers; send: SendHandlers } {
  return {
    invoke: {
      'settings:get': () => settings.settings,
      // Answered once the relay runs with the new settings, so the window's "Saved." means applied.
      'settings:update': async patch => {
        refuseWhatTheRelayWouldRefuse({ ...settings.settings, ...patch })
        const next = settings.update(patch)
        await lifecycle.settled()
        return next
      },
      'relay:status': () => lifecycle.status,
      'relay:network-interfaces': () => networkChoices(networkInterfaces()),
      'app:open-logs-folder': async () => {
        const problem = await openLogsFolder()
        if (problem) throw new Error(`The logs folder did not open: ${problem}`)
      },
      'app:shell': shell,
      'app:quit': quit,
    },
    send: {
      'monitor:subscribe': (_nothing, sender) => feed.subscribe(sender),
      'monitor:unsubscribe': (_nothing, sender) => feed.unsubscribe(sender.id),
      'monitor:request': (request, sender) => feed.perform(sender, request),
    },
  }
}

/**
 * Each field was checked on its own (settings-patch.ts); the relay's rules across fields (the two
 * tokens must differ, say) are checked here, before anything is stored.
 */
function refuseWhatTheRelayWouldRefuse(settings: DesktopSettings): void {
  try {
    checkNodeOptions(settingsNodeOptions(settings))
  } catch (error) {
    const words = (error as Error).message
    throw new Error(`${words[0]!.toUpperCase()}${words.slice(1)}.`)
  }
}
