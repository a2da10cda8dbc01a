/**
 * The DNS-SD records of one relay on one interface's network (RFC 6763): PTR (type → instance),
 * SRV (instance → host name and port), TXT, and the host name's A/AAAA records with only the
 * addresses that belong to that interface (and `lf-relay.local`'s, while the relay holds it). Built here rather than by bonjour-service, whose
 * records list every interface's addresses, Docker and VPN bridges included.
 */
import { isIPv4 } from 'node:net'
import { SERVICE_NAME, encodeRelayTxt, type MdnsRecord, type RelayTxt } from '@switchboard/lan-mdns'

const SERVICES_META_NAME = '_services._dns-sd._udp.local'

/** RFC 6762 §10: records naming a host live 120 s in caches, the others 75 minutes. */
const HOST_TTL = 120
const OTHER_TTL = 4500

export interface ServiceIdentity {
  /** DNS-SD instance name, e.g. "Switchboard on studio". */
  instanceName: string
  /** The `.local` host name the SRV record points at. */
  hostName: string
  port: number
  txt: RelayTxt
}

export const instanceFqdn = (instanceName: string) => `${instanceName}.${SERVICE_NAME}`

/** Every record to announce on a network whose hosts reach us at `addresses`. */
export function serviceRecords(identity: ServiceIdentity, addresses: readonly string[]): MdnsRecord[] {
  const fqdn = instanceFqdn(identity.instanceName)
  const txt = Object.entries(encodeRelayTxt(identity.txt)).map(([key, value]) => `${key}=${value}`)
  return [
    { name: SERVICE_NAME, type: 'PTR', ttl: OTHER_TTL, data: fqdn },
    { name: SERVICES_META_NAME, type: 'PTR', ttl: OTHER_TTL, data: SERVICE_NAME },
    // The cache-flush bit on unique records makes other hosts drop what they held before (an old address).
    { name: fqdn, type: 'SRV', ttl: HOST_TTL, flush: true, data: { port: identity.port, target: identity.hostName } },
    { name: fqdn, type: 'TXT', ttl: OTHER_TTL, flush: true, data: txt },
    ...addressRecords(identity.hostName, addresses),
  ]
}

/** A host name's A/AAAA records, unique to one host (cache-flush bit). */
export function addressRecords(hostName: string, addresses: readonly string[]): MdnsRecord[] {
  return addresses.map(address => ({ name: hostName, type: isIPv4(address) ? 'A' : 'AAAA', ttl: HOST_TTL, flush: true, data: address }))
}

/** The same records with TTL 0: hosts that hear them drop the records at once. */
export function goodbyeRecords(records: readonly MdnsRecord[]): MdnsRecord[] {
  return records.map(({ name, type, data }) => ({ name, type, data, ttl: 0 }))
}

const recordKey = (record: MdnsRecord) => `${record.type} ${record.name.toLowerCase()} ${JSON.stringify(record.data)}`

/** Records of `before` that `after` no longer has (an address that went away, an old name). */
export function retiredRecords(before: readonly MdnsRecord[], after: readonly MdnsRecord[]): MdnsRecord[] {
  const kept = new Set(after.map(recordKey))
  return before.filter(record => !kept.has(recordKey(record)))
}

export const sameRecords = (a: readonly MdnsRecord[], b: readonly MdnsRecord[]) =>
  a.length === b.length && retiredRecords(a, b).length === 0
