/** Plugs LAN discovery (src-main/discovery) into the lifecycle, logging what it advertises as it changes. */
import type { AdvertisingView } from '../../shared/relay-model.js'
import { describeAdvertisingChange } from '../discovery/advertising-format.js'
import { RelayDiscovery } from '../discovery/relay-discovery.js'
import type { LogFile } from './log-file.js'
import type { StartAdvertising } from './relay-lifecycle.js'

export function relayDiscoveryStarter(log: Pick<LogFile, 'write'>): StartAdvertising {
  return (relay, options) => {
    const discovery = new RelayDiscovery(relay, {
      advertise: options.advertise,
      interfaces: options.interfaces,
      // Discovery names the relay "Switchboard on <first label of the host name>".
      hostname: options.name,
      tokenRequired: options.tokenRequired,
    })
    let last: AdvertisingView | undefined
    const logChange = (view: AdvertisingView) => {
      const { info, errors } = describeAdvertisingChange(last, view)
      last = view
      for (const line of [...info, ...errors]) log.write(line)
    }
    discovery.on('change', logChange)
    logChange(discovery.view)
    return discovery
  }
}
