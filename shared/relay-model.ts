/**
 * The live model of what the relay is doing. The engine keeps it; the dashboard, the tray and the
 * health endpoint read snapshots of it. Times are epoch milliseconds.
 */
import type { CloseKind } from './close-codes.js'
import { SERVICE_TYPE, WELL_KNOWN_HOST_NAME, type DiscoveredRelay, type RelayTxt } from '@switchboard/lan-mdns/relay-service'
import type { RelayLimits } from './limits.js'

export interface PeerCollision {
  /** When two live connections were first seen fighting over this peer id. */
  since: number
  /** Connections from the other device refused since then. */
  refused: number
  /** Address of the connection last refused. */
  otherAddress: string
}

export interface PeerView {
  id: string
  address: string
  connectedSince: number
  documents: string[]
  /** Set while another live device uses the same peer id. */
  collision?: PeerCollision
  /** The name of the device it connects from, once one is known (see DeviceView.name). */
  deviceName?: string
}

export interface DocumentView {
  id: string
  peers: string[]
}

export type PipeState = 'waiting' | 'live'

export interface PipeView {
  /** Stable for the pipe's lifetime, unique for the relay's lifetime. */
  id: number
  documentId: string
  /** [the side that connected first, the other side]; for a waiting pipe the second is who it waits for. */
  peers: [string, string]
  state: PipeState
  openedAt: number
  liveSince?: number
  /** Bytes forwarded from peers[0] to peers[1] and back. */
  bytes: [number, number]
  messages: [number, number]
  /** Current rate in bytes per second, each way, over the last sampling interval. */
  bytesPerSecond: [number, number]
  /** Bytes held for the partner while waiting. */
  heldBytes: number
  /** Whether a sender is being held back because its receiver is slow (backpressure). */
  throttled: [boolean, boolean]
}

export interface RelayTotals {
  connectionsAccepted: number
  peersJoined: number
  introductions: number
  pipesOpened: number
  messagesRelayed: number
  bytesRelayed: number
  collisions: number
  refusals: number
  refusalsByKind: Partial<Record<CloseKind, number>>
  /** Malformed control messages ignored without closing the socket (MALFORMED_TOLERANCE). */
  ignoredMessages: number
  /** Device names a client sent that were malformed, and so ignored. */
  deviceNamesIgnored: number
}

export interface RelayRates {
  messagesPerSecond: number
  bytesPerSecond: number
}

export type RelayEventKind =
  | 'peer-connect'
  | 'peer-disconnect'
  | 'join'
  | 'leave'
  | 'introduction'
  | 'pipe-waiting'
  | 'pipe-open'
  | 'pipe-close'
  | 'refusal'
  /** A malformed control message ignored; the socket stays open. */
  | 'ignored'
  | 'collision'
  /** A client's device name header was malformed; `reason` says how. */
  | 'device-name-ignored'

export interface RelayEvent {
  /** Increases by one per event for the relay's lifetime, so a reader can tell what it missed. */
  seq: number
  at: number
  kind: RelayEventKind
  peerId?: string
  otherPeerId?: string
  documentIds?: string[]
  address?: string
  /** For refusals and closes: the close code (or HTTP status for refused upgrades) and reason. */
  code?: number
  status?: number
  reason?: string
  refusal?: CloseKind
  /** The name of the device at `address` when the event happened, if one was known. */
  deviceName?: string
}

/** How ws unmasks incoming frames: 'native' (bufferutil or Node's own) or 'js' (pure JavaScript, slower on large messages). */
export type FrameMasking = 'native' | 'js'

export interface RelayCounts {
  peers: number
  documents: number
  pipesWaiting: number
  pipesLive: number
  sockets: number
}

/** A source address that is connected now or was refused recently (per-address limits, access). */
export interface AddressView {
  address: string
  /** Open WebSockets from it now. */
  connections: number
  /** Refusals of it since it was first seen. */
  refusals: number
  lastRefusal?: { kind: CloseKind; at: number }
}

/**
 * Where a device's name came from: the client said it (lan-client's device header), an mDNS
 * responder on the device answered a reverse lookup, or the system resolver did.
 */
export type DeviceNameSource = 'client' | 'mdns' | 'dns'

/** A machine connected now: all peers from one source address. */
export interface DeviceView {
  address: string
  /** Absent until a name is known; front ends show the address meanwhile. */
  name?: string
  nameSource?: DeviceNameSource
  /** Ids of the peers connected from it now. */
  peers: string[]
  /** Distinct documents its peers joined. */
  documents: number
  pipesLive: number
  /** Bytes forwarded to and from its peers since its first peer of this visit connected. */
  bytes: number
  bytesPerSecond: number
  connectedSince: number
}

/** A peer that was connected within the history window. */
export interface RecentPeerView {
  id: string
  firstSeen: number
  lastSeen: number
  /** Distinct documents it joined over the window (counted, never listed: ids stay off disk). */
  documents: number
  bytes: number
}

/** A device that left within the history window. */
export interface RecentDeviceView {
  address: string
  name?: string
  firstSeen: number
  lastSeen: number
  documents: number
  bytes: number
  peers: RecentPeerView[]
}

/** Devices that left within the last 7 days, latest first; empty while history is turned off. */
export interface HistoryView {
  enabled: boolean
  devices: RecentDeviceView[]
}

/** Who may use the relay. Never holds the token itself. */
export interface AccessView {
  tokenRequired: boolean
  allowPublic: boolean
}

export interface RelaySnapshot {
  version: string
  startedAt: number
  takenAt: number
  listening: boolean
  /**
   * ws:// URLs apps are given, by the rule the mDNS advertisement follows: the LAN ones likeliest
   * first, then this machine's (loopback for an all-interfaces relay).
   */
  urls: string[]
  /** Interfaces no URL in `urls` is offered on, and why: container bridges, VPNs, ... */
  notOffered: SkippedInterface[]
  limits: RelayLimits
  counts: RelayCounts
  totals: RelayTotals
  rates: RelayRates
  peers: PeerView[]
  documents: DocumentView[]
  pipes: PipeView[]
  /** Recent events, oldest first, bounded. */
  events: RelayEvent[]
  /** LAN discovery: what the relay advertises over mDNS and which other relays it sees. */
  advertising: AdvertisingView
  access: AccessView
  /** Addresses connected now or refused recently, most recently refused first. */
  addresses: AddressView[]
  masking: FrameMasking
  tls: TlsView
  /** Devices connected now, one per source address. */
  devices: DeviceView[]
  /** Devices and peers seen recently that have left. */
  history: HistoryView
}

/** Where the relay serves its CA certificate (DER) to anyone on the LAN. */
export const CA_CERT_PATH = '/_switchboard/ca.crt'

/** TLS on the relay's port (`wss://`, `https://`), beside plain `ws://` on the same port. */
export interface TlsView {
  enabled: boolean
  /** The `wss://` twins of `urls`, in the same order; empty when TLS is off. */
  urls: string[]
  /** The relay's own CA, which devices install to trust it; absent when TLS is off. */
  ca?: {
    /** SHA-256 of the certificate (DER), lowercase hex. */
    fingerprint: string
    /** Where devices download it (DER), relative to the relay's origin. */
    path: string
  }
  /** The certificate presented now: the names and addresses it is valid for, and when it expires. */
  certificate?: { names: string[]; notAfter: number }
  /** TLS handshakes completed since the relay started. */
  handshakes: number
}

/**
 * `off`: not advertising on purpose (turned off, loopback only; see `offReason`); `starting`: probing names or
 * waiting for a usable interface; `error`: wanted but failing (see `reason`), retried on its own.
 */
export type AdvertisingState = 'off' | 'starting' | 'advertising' | 'error'

/**
 * Whether this relay answers for the well-known name `lf-relay.local`: only the LAN's pick does,
 * after probing it (`claiming`, repeated while the previous pick still answers).
 */
export type WellKnownNameState = 'not-held' | 'claiming' | 'held'

export interface AdvertisedInterface {
  name: string
  /** The addresses its A/AAAA records carry on that interface's network. */
  addresses: string[]
}

/** Why an interface is not advertised on (or given no app URL), as a code a front end can word in its own terms. */
export type SkipReason = 'loopback' | 'container-bridge' | 'tunnel' | 'no-ipv4' | 'not-listen-address' | 'not-chosen' | 'chosen-missing' | 'public-only'

export interface SkippedInterface {
  name: string
  code: SkipReason
  /** The same in neutral words for the dashboard, e.g. "container or VM bridge". */
  reason: string
}

export interface AdvertisingView {
  state: AdvertisingState
  /** Set when `state` is `off`. */
  offReason?: AdvertisingOffReason
  /** Why advertising is off or failing, in words for the user (e.g. "port 5353 unavailable ..."). */
  reason?: string
  /** DNS-SD service type, `_lf-relay._tcp`. */
  serviceType: string
  /** The instance name in use, after any rename a name conflict forced. */
  instanceName?: string
  /** The `.local` host name the SRV record points at. */
  hostName?: string
  txt?: RelayTxt
  interfaces: AdvertisedInterface[]
  skippedInterfaces: SkippedInterface[]
  /** Recent problems, oldest first, bounded. */
  errors: { at: number; message: string }[]
  /** Other relays seen on the LAN, in choice order. */
  otherRelays: DiscoveredRelay[]
  /** Whether clients on the LAN pick this relay by the choice rule (`chooseRelay`). */
  chosen: boolean
  /** `lf-relay.local`, and whether this relay answers for it. */
  wellKnownName: { name: string; state: WellKnownNameState }
}

/** What the public health endpoint tells anyone: no ids, only counts. */
export interface RelayHealth {
  status: 'ok' | 'shutting-down'
  version: string
  protocol: string
  uptimeSeconds: number
  counts: RelayCounts
  masking: FrameMasking
}

/**
 * Why advertising is off, as a code: each front end words it in its own terms (the CLI in flag
 * names, the app in settings names); `reason` beside it is a neutral wording for the dashboard.
 */
export type AdvertisingOffReason = 'not-running' | 'disabled' | 'loopback-only'

/** The advertising view when nothing advertises: the engine alone, or discovery turned off. */
export function advertisingOff(offReason: AdvertisingOffReason, reason: string): AdvertisingView {
  return { state: 'off', offReason, reason, serviceType: SERVICE_TYPE, interfaces: [], skippedInterfaces: [], errors: [], otherRelays: [], chosen: false, wellKnownName: { name: WELL_KNOWN_HOST_NAME, state: 'not-held' } }
}
