import type { DeviceNameSource, DeviceView, PeerView } from '../../shared/relay-model.js'
import type { Pipe } from './pipe-state.js'
import { RecentMap } from './recent-map.js'

/**
 * Names found by looking an address up (reverse mDNS, the system resolver; src-main/discovery).
 * The engine only reads what is known and asks for more; the lookups run elsewhere, off the hot path.
 */
export interface DeviceNamer {
  /** The name known for an address now, if any: a cache read. */
  lookup(address: string): { name: string; source: DeviceNameSource } | undefined
  /** A device showed up at `address`: find its name if it is not known. Returns at once. */
  want(address: string): void
}

/** One peer id's stay on a device, for the recently-seen history. */
export interface PeerStay {
  id: string
  firstSeen: number
  lastSeen: number
  /** Raw document ids: the history hashes them before anything is written. */
  documents: string[]
  bytes: number
}

/** What a device did between its first peer arriving and its last socket closing. */
export interface DeviceDeparture {
  address: string
  name?: string
  firstSeen: number
  lastSeen: number
  documents: string[]
  bytes: number
  peers: PeerStay[]
}

interface PeerVisit {
  firstSeen: number
  lastSeen: number
  documents: Set<string>
  bytes: number
  /** Introduction sockets of this id open from the device (a reconnect briefly makes two). */
  sockets: number
}

interface Visit {
  connectedSince: number
  /** Bytes of this visit's pipes that have closed; live pipes are counted when a view is taken. */
  closedBytes: number
  peers: Map<string, PeerVisit>
}

/** Bounds on what one visit remembers, so a client cycling peer ids or documents cannot grow it. */
const MAX_PEERS_PER_VISIT = 200
const MAX_DOCUMENTS_PER_PEER = 1_000
/** Client-given names, kept while their device stays connected; a bound against names posted by addresses that never connect. */
const MAX_CLIENT_NAMES = 2_000

/**
 * The devices connected now, one per source address: who is on each, what it shares and how much
 * traffic it carries. Updated once per connection, Join and pipe close; never per message.
 */
export class DeviceBook {
  private readonly visits = new Map<string, Visit>()
  private readonly clientNames = new RecentMap<string, string>(MAX_CLIENT_NAMES)
  namer: DeviceNamer | undefined

  peerArrived(address: string, peerId: string, now = Date.now()): void {
    let visit = this.visits.get(address)
    if (!visit) {
      this.visits.set(address, (visit = { connectedSince: now, closedBytes: 0, peers: new Map() }))
      if (!this.clientNames.has(address)) this.namer?.want(address)
    }
    let peer = visit.peers.get(peerId)
    if (!peer) {
      if (visit.peers.size >= MAX_PEERS_PER_VISIT) dropOldestGone(visit.peers)
      visit.peers.set(peerId, (peer = { firstSeen: now, lastSeen: now, documents: new Set(), bytes: 0, sockets: 0 }))
    }
    peer.sockets++
    peer.lastSeen = now
  }

  joined(address: string, peerId: string, documentIds: readonly string[]): void {
    const peer = this.visits.get(address)?.peers.get(peerId)
    if (!peer) return
    for (const documentId of documentIds) {
      if (peer.documents.size >= MAX_DOCUMENTS_PER_PEER) break
      peer.documents.add(documentId)
    }
  }

  peerLeft(address: string, peerId: string, now = Date.now()): void {
    const peer = this.visits.get(address)?.peers.get(peerId)
    if (!peer) return
    peer.sockets = Math.max(0, peer.sockets - 1)
    peer.lastSeen = now
  }

  /** A live pipe closed: its traffic stays with the devices (and peers) on either side. */
  pipeClosed(pipe: Pipe): void {
    const bytes = pipe.bytes
    const addresses = new Set<string>()
    for (const side of pipe.sides) {
      const address = side.socket?.remoteAddress
      if (address === undefined) continue
      const visit = this.visits.get(address)
      if (!visit) continue
      if (!addresses.has(address)) visit.closedBytes += bytes
      addresses.add(address)
      const peer = visit.peers.get(side.peerId)
      if (peer) peer.bytes += bytes
    }
  }

  /** The address has no socket open any more: its visit ends, and what it did is returned. */
  ended(address: string, now = Date.now()): DeviceDeparture | undefined {
    const visit = this.visits.get(address)
    if (!visit) return undefined
    this.visits.delete(address)
    const documents = new Set<string>()
    const peers: PeerStay[] = []
    for (const [id, peer] of visit.peers) {
      for (const documentId of peer.documents) documents.add(documentId)
      peers.push({ id, firstSeen: peer.firstSeen, lastSeen: peer.sockets > 0 ? now : peer.lastSeen, documents: [...peer.documents], bytes: peer.bytes })
    }
    const name = this.name(address)?.name
    // The next device at this address (a DHCP lease given to another machine) names itself anew.
    this.clientNames.delete(address)
    return { address, ...(name ? { name } : {}), firstSeen: visit.connectedSince, lastSeen: now, documents: [...documents], bytes: visit.closedBytes, peers }
  }

  /** A name the device gave itself (checked by the caller); it wins over lookups. */
  setClientName(address: string, name: string): void {
    this.clientNames.set(address, name)
  }

  name(address: string): { name: string; source: DeviceNameSource } | undefined {
    const given = this.clientNames.get(address)
    return given !== undefined ? { name: given, source: 'client' } : this.namer?.lookup(address)
  }

  /** One view per device connected now; `peers` are the engine's peer views, `live` its live pipes. */
  views(peers: readonly PeerView[], live: Iterable<Pipe>): DeviceView[] {
    const byAddress = new Map<string, { view: DeviceView; documents: Set<string> }>()
    for (const peer of peers) {
      let entry = byAddress.get(peer.address)
      if (!entry) {
        const visit = this.visits.get(peer.address)
        const view: DeviceView = {
          address: peer.address,
          peers: [],
          documents: 0,
          pipesLive: 0,
          bytes: visit?.closedBytes ?? 0,
          bytesPerSecond: 0,
          connectedSince: visit?.connectedSince ?? peer.connectedSince,
        }
        const named = this.name(peer.address)
        if (named) {
          view.name = named.name
          view.nameSource = named.source
        }
        byAddress.set(peer.address, (entry = { view, documents: new Set() }))
      }
      entry.view.peers.push(peer.id)
      for (const documentId of peer.documents) entry.documents.add(documentId)
    }
    const countPipe = (address: string | undefined, pipe: Pipe) => {
      const view = address === undefined ? undefined : byAddress.get(address)?.view
      if (!view) return
      const [first, second] = pipe.sides
      view.pipesLive++
      view.bytes += first.bytes + second.bytes
      view.bytesPerSecond += first.bytesPerSecond + second.bytesPerSecond
    }
    for (const pipe of live) {
      const [first, second] = pipe.sides
      countPipe(first.socket?.remoteAddress, pipe)
      // A pipe between two peers of one device counts once for it.
      if (second.socket?.remoteAddress !== first.socket?.remoteAddress) countPipe(second.socket?.remoteAddress, pipe)
    }
    const views: DeviceView[] = []
    for (const { view, documents } of byAddress.values()) {
      view.documents = documents.size
      views.push(view)
    }
    return views
  }
}

/** Makes room for one more peer id by forgetting the one that left longest ago (or the oldest). */
function dropOldestGone(peers: Map<string, PeerVisit>): void {
  let oldest: string | undefined
  let oldestAt = Infinity
  for (const [id, peer] of peers) {
    if (peer.sockets === 0 && peer.lastSeen < oldestAt) {
      oldest = id
      oldestAt = peer.lastSeen
    }
  }
  peers.delete(oldest ?? peers.keys().next().value!)
}
