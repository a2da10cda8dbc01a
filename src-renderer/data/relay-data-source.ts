import type { MonitorClientMessage, MonitorServerMessage } from '../../shared/monitoring.js'

/** Whether the dashboard currently receives the relay's feed. */
export type FeedStatus = 'connecting' | 'live' | 'offline'

export interface FeedHandlers {
  message(message: MonitorServerMessage): void
  status(status: FeedStatus): void
}

/**
 * Where the dashboard's data comes from: the relay's monitoring WebSocket in a browser, the
 * desktop app's preload bridge in its window. The rest of the dashboard never knows which.
 */
export interface RelayDataSource {
  /**
   * Starts the feed. The first message, and the first after every reconnect, is a snapshot.
   * Returns a function that stops it.
   */
  start(handlers: FeedHandlers): () => void
  /** Sends an admin action; false when there is no feed to send it on. */
  send(message: MonitorClientMessage): boolean
}
