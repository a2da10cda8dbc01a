/** One-shot and continuous discovery of the relays on the LAN. */
import { setTimeout as delay } from 'node:timers/promises'
import { RelayBrowser, type DiscoveredRelay, type MdnsEndpointOptions } from '@switchboard/lan-mdns'

export interface DiscoverOptions extends MdnsEndpointOptions {
  /** How long to listen for answers, in ms (default 1000). Relays answer within milliseconds. */
  timeout?: number
}

/** The relays on the LAN now, in choice order: the first usable one is the one every client picks. */
export async function discoverRelays(options: DiscoverOptions = {}): Promise<DiscoveredRelay[]> {
  const browser = await RelayBrowser.open(options)
  try {
    await delay(options.timeout ?? 1_000)
    return browser.relays
  } finally {
    await browser.close()
  }
}

/**
 * Watches relays come and go: `change` (the whole list, in choice order), `up` and `down` events,
 * `relays` for the current list. Call `close()` to stop.
 */
export function watchRelays(options: MdnsEndpointOptions = {}): Promise<RelayBrowser> {
  return RelayBrowser.open(options)
}
