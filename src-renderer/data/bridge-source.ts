import type { SwitchboardBridge } from '../../shared/switchboard-bridge.js'
import type { RelayDataSource } from './relay-data-source.js'

/** The desktop app's preload bridge: the same feed over IPC, always connected while the window lives. */
export function bridgeSource(bridge: SwitchboardBridge): RelayDataSource {
  return {
    start(handlers) {
      handlers.status('live')
      return bridge.subscribeMonitor(handlers.message)
    },
    send(message) {
      bridge.sendMonitor(message)
      return true
    },
  }
}
