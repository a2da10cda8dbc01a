/** Synthetic pieces of the live model for the dashboard's tests. */
import { MONITOR_PROTOCOL, type MonitorSnapshotMessage, type MonitorStats } from '../../shared/monitoring.js'
import { advertisingOff, type DeviceView, type PeerView, type PipeView, type RecentDeviceView, type RelayEvent, type RelaySnapshot } from '../../shared/relay-model.js'
import { DEFAULT_LIMITS } from '../../shared/limits.js'

export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0)

export function peer(id: string, overrides: Partial<PeerView> = {}): PeerView {
  return { id, address: '192.168.1.20', connectedSince: NOW - 60_000, documents: ['doc-1'], ...overrides }
}

/** `count` peers named peer-0000, peer-0001, ..., connected one second apart (the last most recently). */
export function peers(count: number): PeerView[] {
  return Array.from({ length: count }, (_, i) =>
    peer(`peer-${String(i).padStart(4, '0')}`, { address: `10.0.${Math.floor(i / 250)}.${i % 250}`, connectedSince: NOW - (count - i) * 1_000 }),
  )
}

export function pipe(id: number, overrides: Partial<PipeView> = {}): PipeView {
  return {
    id,
    documentId: 'doc-1',
    peers: ['alice', 'bob'],
    state: 'live',
    openedAt: NOW - 30_000,
    liveSince: NOW - 29_000,
    bytes: [0, 0],
    messages: [0, 0],
    bytesPerSecond: [0, 0],
    heldBytes: 0,
    throttled: [false, false],
    ...overrides,
  }
}

let seq = 0
export function event(kind: RelayEvent['kind'], fields: Partial<RelayEvent> = {}): RelayEvent {
  seq++
  return { seq, at: NOW - 1_000 + seq, kind, ...fields }
}

export function snapshot(overrides: Partial<RelaySnapshot> = {}): RelaySnapshot {
  const base: RelaySnapshot = {
    version: '0.1.0',
    startedAt: NOW - 3_600_000,
    takenAt: NOW,
    listening: true,
    urls: ['ws://192.168.1.20:8080', 'ws://localhost:8080'],
    notOffered: [],
    limits: { ...DEFAULT_LIMITS },
    counts: { peers: 0, documents: 0, pipesWaiting: 0, pipesLive: 0, sockets: 0 },
    totals: {
      connectionsAccepted: 0,
      peersJoined: 0,
      introductions: 0,
      pipesOpened: 0,
      messagesRelayed: 0,
      bytesRelayed: 0,
      collisions: 0,
      refusals: 0,
      refusalsByKind: {},
      ignoredMessages: 0,
      deviceNamesIgnored: 0,
    },
    rates: { messagesPerSecond: 0, bytesPerSecond: 0 },
    peers: [],
    documents: [],
    pipes: [],
    events: [],
    advertising: advertisingOff('not-running', 'LAN discovery is not running'),
    access: { tokenRequired: false, allowPublic: true },
    addresses: [],
    masking: 'native',
    tls: { enabled: false, urls: [], handshakes: 0 },
    devices: [],
    history: { enabled: false, devices: [] },
    ...overrides,
  }
  const live = base.pipes.filter(p => p.state === 'live').length
  base.counts = { peers: base.peers.length, documents: base.documents.length, pipesLive: live, pipesWaiting: base.pipes.length - live, sockets: base.peers.length, ...overrides.counts }
  return base
}

export const snapshotMessage = (overrides: Partial<RelaySnapshot> = {}): MonitorSnapshotMessage => ({
  type: 'snapshot',
  protocol: MONITOR_PROTOCOL,
  snapshot: snapshot(overrides),
})

export function statsOf({ takenAt, listening, urls, counts, totals, rates }: RelaySnapshot): MonitorStats {
  return { takenAt, listening, urls, counts, totals, rates }
}

export function device(address: string, overrides: Partial<DeviceView> = {}): DeviceView {
  return { address, peers: [], documents: 0, pipesLive: 0, bytes: 0, bytesPerSecond: 0, connectedSince: NOW - 60_000, ...overrides }
}

export function recentDevice(address: string, overrides: Partial<RecentDeviceView> = {}): RecentDeviceView {
  return { address, firstSeen: NOW - 86_400_000, lastSeen: NOW - 3_600_000, documents: 0, bytes: 0, peers: [], ...overrides }
}
