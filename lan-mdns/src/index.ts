/**
 * mDNS/DNS-SD for `_lf-relay._tcp`, neutral between the two sides that use it: relays advertise
 * and watch each other with it, and apps find relays with it (through @switchboard/lan-client).
 * `@switchboard/lan-mdns/relay-service` is the part without Node APIs, for browsers.
 */
export {
  MdnsEndpoint,
  respond,
  type MdnsEndpointOptions,
  type MdnsPacket,
  type MdnsQuery,
  type MdnsRecord,
  type MdnsResponder,
  type MdnsSocket,
  type RecordType,
  type RemoteInfo,
} from './mdns-endpoint.js'
export { RecordCache, type CachedRecord } from './record-cache.js'
export { decodeTxt, sameName } from './record-data.js'
export { RelayBrowser, type IdConflict, type RelayBrowserEvents, type RelayBrowserOptions } from './relay-browser.js'
export * from './relay-service.js'
export { compareProbeRecords } from './record-order.js'
