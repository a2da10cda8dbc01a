/** Relay node options and LAN discovery stand-ins for tests of the node and the app's lifecycle. */
import { EventEmitter } from 'node:events'
import type { RelayNodeOptions } from '../../shared/relay-node-options.js'
import { advertisingOff, type AdvertisingView } from '../../shared/relay-model.js'
import type { DiscoverySettings } from '../../src-main/discovery/relay-discovery.js'
import type { NodeDiscovery, StartDiscovery } from '../../src-main/node/relay-node.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'

/** A loopback relay with every default: what a test changes, it names. */
export function nodeOptions(overrides: Partial<RelayNodeOptions> = {}): RelayNodeOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    limits: {},
    accessToken: undefined,
    allowPublic: false,
    adminToken: undefined,
    name: undefined,
    priority: 0,
    advertise: true,
    interfaces: [],
    // Tests that keep a history say where; the others write nothing to the user's config folder.
    history: false,
    ...overrides,
  }
}

/**
 * LAN discovery as the node sees it, recording what it was asked to do and when its goodbyes went
 * out relative to the relay's close; nothing goes on the network.
 */
export class RecordingDiscovery {
  readonly log: string[] = []
  readonly started: { relay: RelayServer; settings: DiscoverySettings }[] = []
  readonly reconfigured: DiscoverySettings[] = []
  /** How long saying goodbye takes; undefined: forever. */
  goodbyeMs: number | undefined = 20

  readonly start: StartDiscovery = (relay, settings) => {
    this.started.push({ relay, settings })
    this.log.push(`advertise :${relay.listening?.port}`)
    const events = new EventEmitter<{ change: [AdvertisingView] }>()
    const discovery: NodeDiscovery = {
      view: advertisingOff('disabled', 'recorded, not advertised'),
      reconfigure: async next => {
        this.reconfigured.push(next)
      },
      stop: async () => {
        // The relay must still answer while the goodbyes go out.
        this.log.push(`goodbye (relay listening: ${relay.snapshot().listening})`)
        if (this.goodbyeMs === undefined) await new Promise(() => undefined)
        await new Promise(resolve => setTimeout(resolve, this.goodbyeMs))
        this.log.push('goodbyes sent')
      },
      on: (event, listener) => events.on(event, listener),
    }
    return discovery
  }
}
