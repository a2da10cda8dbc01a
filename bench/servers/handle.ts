/** What the raw and published contenders' launchers hand to the server host. */
export interface RelayHandle {
  url: string
  close(): Promise<void>
}
