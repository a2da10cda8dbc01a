/**
 * Recently seen: the devices and peers that were connected within the last week, so an owner can
 * ask "was Anna's laptop here today?". Bounded in entries, kept across restarts in a file of its own
 * (history-file.ts), and holding no document id in clear: each is replaced by a keyed hash before
 * it is stored, and only how many there were is ever shown.
 */
import { createHmac } from 'node:crypto'
import type { HistoryView, RecentDeviceView, RecentPeerView } from '../../shared/relay-model.js'
import type { DeviceDeparture } from '../relay/devices.js'

export const HISTORY_WINDOW_MS = 7 * 24 * 60 * 60_000
export const MAX_HISTORY_DEVICES = 500
export const MAX_HISTORY_PEERS = 2_000
/**
 * Distinct documents counted per device and per peer; beyond these the count stops growing rather
 * than the file (at most about 5 MB with every cap reached).
 */
const MAX_DEVICE_DOCUMENTS = 256
const MAX_PEER_DOCUMENTS = 64
/** 64 bits of the HMAC are plenty to count distinct documents; without the key, a guessed id cannot be tested against them. */
const HASH_HEX_CHARS = 16

/** An entry as stored: a departure's shape, with keyed hashes where the departure has document ids. */
export type StoredDevice = DeviceDeparture

export class RecentlySeen {
  /** By address, least recently seen first. */
  private readonly devices = new Map<string, StoredDevice>()
  private cachedView: RecentDeviceView[] | undefined

  constructor(
    /** The per-install key of the document hashes. */
    private readonly key: Buffer,
    stored: readonly StoredDevice[] = [],
    now = Date.now(),
  ) {
    for (const device of [...stored].sort((a, b) => a.lastSeen - b.lastSeen)) this.devices.set(device.address, device)
    this.prune(now)
  }

  /** Adds what a device did on its visit. */
  record(departure: DeviceDeparture, now = Date.now()): void {
    const existing = this.devices.get(departure.address)
    const device: StoredDevice = existing ?? { address: departure.address, firstSeen: departure.firstSeen, lastSeen: departure.lastSeen, documents: [], bytes: 0, peers: [] }
    device.firstSeen = Math.min(device.firstSeen, departure.firstSeen)
    device.lastSeen = Math.max(device.lastSeen, departure.lastSeen)
    if (departure.name !== undefined) device.name = departure.name
    device.bytes += departure.bytes
    device.documents = this.merged(device.documents, departure.documents, MAX_DEVICE_DOCUMENTS)
    for (const stay of departure.peers) {
      let peer = device.peers.find(candidate => candidate.id === stay.id)
      if (!peer) device.peers.push((peer = { id: stay.id, firstSeen: stay.firstSeen, lastSeen: stay.lastSeen, documents: [], bytes: 0 }))
      peer.firstSeen = Math.min(peer.firstSeen, stay.firstSeen)
      peer.lastSeen = Math.max(peer.lastSeen, stay.lastSeen)
      peer.bytes += stay.bytes
      peer.documents = this.merged(peer.documents, stay.documents, MAX_PEER_DOCUMENTS)
    }
    device.peers.sort((a, b) => b.lastSeen - a.lastSeen)
    // Re-inserted: the map stays in order of last visit.
    this.devices.delete(device.address)
    this.devices.set(device.address, device)
    this.prune(now)
  }

  clear(): void {
    this.devices.clear()
    this.cachedView = undefined
  }

  /** What the file holds. */
  stored(): StoredDevice[] {
    return [...this.devices.values()]
  }

  /** Latest first; `connected` addresses are left out (they are in the live devices). */
  view(connected: ReadonlySet<string> = new Set()): HistoryView {
    this.cachedView ??= [...this.devices.values()].reverse().map(deviceView)
    return { enabled: true, devices: connected.size === 0 ? this.cachedView : this.cachedView.filter(device => !connected.has(device.address)) }
  }

  /** Drops what left more than a week ago, then the oldest entries beyond the caps. */
  prune(now = Date.now()): void {
    this.cachedView = undefined
    for (const [address, device] of this.devices) {
      device.peers = device.peers.filter(peer => now - peer.lastSeen <= HISTORY_WINDOW_MS)
      if (now - device.lastSeen > HISTORY_WINDOW_MS) this.devices.delete(address)
    }
    for (const address of this.devices.keys()) {
      if (this.devices.size <= MAX_HISTORY_DEVICES) break
      this.devices.delete(address)
    }
    let peers = 0
    for (const device of this.devices.values()) peers += device.peers.length
    if (peers <= MAX_HISTORY_PEERS) return
    const oldestFirst = [...this.devices.values()].flatMap(device => device.peers.map(peer => ({ device, peer }))).sort((a, b) => a.peer.lastSeen - b.peer.lastSeen)
    for (const { device, peer } of oldestFirst.slice(0, peers - MAX_HISTORY_PEERS)) device.peers.splice(device.peers.indexOf(peer), 1)
  }

  private merged(hashes: readonly string[], documentIds: readonly string[], cap: number): string[] {
    const set = new Set(hashes)
    for (const documentId of documentIds) {
      if (set.size >= cap) break
      set.add(createHmac('sha256', this.key).update(documentId).digest('hex').slice(0, HASH_HEX_CHARS))
    }
    return [...set]
  }
}

function deviceView(device: StoredDevice): RecentDeviceView {
  const peers: RecentPeerView[] = device.peers.map(({ id, firstSeen, lastSeen, documents, bytes }) => ({ id, firstSeen, lastSeen, documents: documents.length, bytes }))
  return {
    address: device.address,
    ...(device.name !== undefined ? { name: device.name } : {}),
    firstSeen: device.firstSeen,
    lastSeen: device.lastSeen,
    documents: device.documents.length,
    bytes: device.bytes,
    peers,
  }
}
