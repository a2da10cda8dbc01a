/**
 * Follows the machine's network: Wi-Fi roaming, DHCP renewals, cables, sleep/resume and VPNs all
 * show up as a different interface table. Node has no portable change event, so the table is read
 * every couple of seconds (a cheap in-memory call) and compared with the last one.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'
import { selectInterfaces, type InterfaceSelection, type SelectOptions } from './interfaces.js'

const NETWORK_POLL_MS = 2_000

export interface NetworkWatchOptions extends SelectOptions {
  pollMs?: number
  /** The interface table; tests pass their own. */
  readTable?: () => NodeJS.Dict<NetworkInterfaceInfo[]>
}

export class NetworkWatch {
  private readonly timer: NodeJS.Timeout
  private lastKey: string
  private current: InterfaceSelection

  /** Calls `onChange` with the new selection whenever the chosen or skipped interfaces change. */
  constructor(
    private readonly options: NetworkWatchOptions,
    private readonly onChange: (selection: InterfaceSelection) => void,
  ) {
    this.current = this.read()
    this.lastKey = JSON.stringify(this.current)
    this.timer = setInterval(() => this.check(), options.pollMs ?? NETWORK_POLL_MS).unref()
  }

  get selection(): InterfaceSelection {
    return this.current
  }

  stop(): void {
    clearInterval(this.timer)
  }

  private read(): InterfaceSelection {
    return selectInterfaces((this.options.readTable ?? networkInterfaces)(), this.options)
  }

  /** Reads the table now (and the options as they are now), rather than at the next poll. */
  check(): void {
    const selection = this.read()
    const key = JSON.stringify(selection)
    if (key === this.lastKey) return
    this.lastKey = key
    this.current = selection
    this.onChange(selection)
  }
}
