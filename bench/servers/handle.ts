/** What every contender's launcher hands to the server host. */
export interface RelayHandle {
  url: string
  close(): Promise<void>
  /** Subscribes a dashboard to the monitoring feed, or drops it; only relays with a live model have one. */
  setMonitoring?(on: boolean): void | Promise<void>
}
