/**
 * What the tray says about a running relay: who is connected, by name, and whether data flows.
 * Read from the live model once a second (the rate the engine samples its traffic at).
 */
import type { RelaySnapshot } from '../../../shared/relay-model.js'

export const ACTIVITY_SAMPLE_MS = 1_000

export interface RelayActivity {
  peers: number
  /** Each device's name, or its address until a name is known, sorted so the menu only changes when they do. */
  devices: string[]
  /** Something went through a pipe during the last sampling interval. */
  syncing: boolean
}

export function relayActivity({ counts, rates, devices }: Pick<RelaySnapshot, 'counts' | 'rates' | 'devices'>): RelayActivity {
  return {
    peers: counts.peers,
    devices: devices.map(device => device.name ?? device.address).sort(),
    syncing: rates.bytesPerSecond > 0,
  }
}
