/** What every contender's launcher hands to the server host. */
export interface RelayHandle {
  url: string
  close(): Promise<void>
  /** Starts or stops an in-process monitoring reader; only relays with a live model have one. */
  setMonitoring?(on: boolean): void
}
