/**
 * The relay's discovery endpoint, for browsers (which cannot browse mDNS): where it is and what it
 * answers. The service it describes, and the choice rule, are in @switchboard/lan-mdns.
 */
import type { DiscoveredRelay } from '@switchboard/lan-mdns/relay-service'

/** Where a relay serves its DiscoveryDocument, with CORS, on its own HTTP port. */
export const DISCOVERY_PATH = '/.well-known/lf-relay'

/** What `GET /.well-known/lf-relay` answers (with `Access-Control-Allow-Origin: *`). */
export interface DiscoveryDocument {
  /** This relay; its first URL is built from the address the request was sent to. */
  relay: DiscoveredRelay
  /** Every relay this one sees on the LAN, itself included, in choice order: use the first usable one. */
  relays: DiscoveredRelay[]
}
