/**
 * The desktop app's settings as the relay node's options. Shared so the settings view can tell,
 * before saving, whether a change restarts the relay.
 */
import type { DesktopSettings } from './ipc-schema.js'
import { restartNeeded, type RelayNodeOptions, type RestartCause } from './relay-node-options.js'

export function settingsNodeOptions(settings: DesktopSettings): RelayNodeOptions {
  return {
    host: settings.listenAddress || undefined,
    port: settings.port,
    limits: settings.limits,
    accessToken: settings.accessToken || undefined,
    allowPublic: settings.allowPublic,
    adminToken: settings.adminToken || undefined,
    name: settings.relayName || undefined,
    priority: settings.priority,
    advertise: settings.advertise,
    interfaces: settings.advertiseInterfaces,
    history: settings.history,
  }
}

/** What a change of settings from `before` to `after` would restart the relay for; empty: it applies live. */
export function settingsRestart(before: DesktopSettings, after: DesktopSettings): RestartCause[] {
  return restartNeeded(settingsNodeOptions(before), settingsNodeOptions(after))
}
