/**
 * What the relay's certificate must name: every way a device may reach it. Browsers check the
 * name or address in the URL against the certificate, so a name or address left out is a
 * certificate error on exactly the devices that use it.
 */
import { isIP } from 'node:net'
import { hostname as machineHostname } from 'node:os'
import { hostLabel } from '../discovery/advertiser.js'
import { isLoopbackHost, isWildcardHost } from '../discovery/interfaces.js'
import type { ServerNames } from './local-ca.js'

/** The well-known name the relay the choice rule picks answers over mDNS. */
export const WELL_KNOWN_NAME = 'lf-relay.local'

export interface NameSources {
  /** The relay's name (`--name`); the machine's host name when undefined. */
  name: string | undefined
  /** The `.local` name mDNS announces now, which a name conflict may have changed. */
  advertisedHostName: string | undefined
  /** The listen host (`--host`); undefined or a wildcard for every interface. */
  listenHost: string | undefined
  /** The LAN addresses offered to apps now (UrlOffer.addresses). */
  offeredAddresses: readonly string[]
}

export function serverNames({ name, advertisedHostName, listenHost, offeredAddresses }: NameSources): ServerNames {
  const dnsNames = [WELL_KNOWN_NAME, `${hostLabel(name ?? machineHostname())}.local`.toLowerCase()]
  if (advertisedHostName) dnsNames.push(advertisedHostName.toLowerCase())
  const ips = offeredAddresses.map(address => address.split('%')[0]!)
  if (listenHost && !isWildcardHost(listenHost) && isIP(listenHost)) ips.push(listenHost)
  // Apps on this machine use localhost (the URL the relay prints first).
  if (isWildcardHost(listenHost) || isLoopbackHost(listenHost)) {
    dnsNames.push('localhost')
    ips.push('127.0.0.1', '::1')
  }
  return { dnsNames: [...new Set(dnsNames)], ips: [...new Set(ips)] }
}

/** Whether two sets of names are the same, in any order. */
export function sameNames(a: ServerNames, b: ServerNames): boolean {
  const key = (names: ServerNames) => JSON.stringify([[...names.dnsNames].sort(), [...names.ips].sort()])
  return key(a) === key(b)
}
