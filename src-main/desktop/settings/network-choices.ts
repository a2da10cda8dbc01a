import type { NetworkInterfaceInfo } from 'node:os'
import type { NetworkInterfaceChoice } from '../../../shared/ipc-schema.js'

/**
 * Interfaces the settings view offers, with the addresses the relay could listen on: IPv4 first,
 * no loopback (the view offers "this machine only" itself) and no IPv6 link-local addresses, which
 * need a scope nobody would type.
 */
export function networkChoices(table: NodeJS.Dict<NetworkInterfaceInfo[]>): NetworkInterfaceChoice[] {
  const choices: NetworkInterfaceChoice[] = []
  for (const [name, infos] of Object.entries(table)) {
    const usable = (infos ?? []).filter(info => !info.internal && !(info.family === 'IPv6' && /^fe[89ab]/i.test(info.address)))
    usable.sort((a, b) => Number(a.family === 'IPv6') - Number(b.family === 'IPv6'))
    if (usable.length > 0) choices.push({ name, addresses: usable.map(info => info.address) })
  }
  return choices
}
