/**
 * Switchboard's LAN client library: find `_lf-relay._tcp` relays over mDNS and connect to the one
 * every client on the LAN picks. See README.md in this folder.
 */
export { Client, type ClientEvents, type ClientOptions, type PeerEventPayload, type PeerSocketMap, type PipeSocket } from './client.js'
export { discoverRelays, watchRelays, type DiscoverOptions } from './discover.js'
export { RelayBrowser, chooseRelay, rankRelays, relayKey, type DiscoveredRelay, type IdConflict, type MdnsEndpointOptions, type RelayBrowserEvents } from '@switchboard/lan-mdns'
