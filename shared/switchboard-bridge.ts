/**
 * What the desktop app's preload script exposes to the dashboard as `window.switchboard`. It carries
 * the monitoring feed's own messages (shared/monitoring.ts) over IPC, so the dashboard renders the
 * same data whether it runs in the app's window or in a browser talking to a headless relay.
 */
import type { MonitorClientMessage, MonitorServerMessage } from './monitoring.js'

export interface SwitchboardBridge {
  /**
   * Starts the feed: `listener` gets a `snapshot` first, then updates and action results.
   * Returns a function that stops it.
   */
  subscribeMonitor(listener: (message: MonitorServerMessage) => void): () => void
  /** An admin action; its `action-result` arrives through the subscribed listener. */
  sendMonitor(message: MonitorClientMessage): void
}

declare global {
  interface Window {
    /** Present only inside the desktop app. */
    switchboard?: SwitchboardBridge
  }
}
