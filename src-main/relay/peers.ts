import { MALFORMED_TOLERANCE, closeReason } from '../../shared/close-codes.js'
import type { RelayLimits } from '../../shared/limits.js'
import type { DocumentView, PeerCollision, PeerView } from '../../shared/relay-model.js'
import type { RelayActivity } from './activity.js'
import { RateBudget, WindowCount } from './admission.js'
import { encodeIntroduction } from './control-messages.js'
import type { RelaySocket } from './relay-socket.js'

export interface Peer {
  readonly id: string
  readonly socket: RelaySocket
  readonly address: string
  readonly connectedSince: number
  readonly documents: Set<string>
  readonly controlBudget: RateBudget
  readonly malformed: WindowCount
}

interface CollisionState extends PeerCollision {
  /** When the peer id last changed hands, to tell a reconnect from two devices taking turns. */
  replacedAt: number[]
  active: boolean
}

/** A peer id that changes hands this often within the window belongs to two live devices. */
const REPLACEMENTS_FOR_COLLISION = 2
const REPLACEMENT_WINDOW_MS = 10_000

export type Admission = { ok: true } | { ok: false; kind: 'limitReached' | 'peerIdInUse'; detail: string }

/**
 * Introduction sockets, the documents each peer has joined, and the introductions between them.
 * A Join costs work proportional to the peers on the documents it names, never to all peers.
 */
export class PeerRegistry {
  private readonly peers = new Map<string, Peer>()
  private readonly documents = new Map<string, Set<Peer>>()
  private readonly collisions = new Map<string, CollisionState>()

  constructor(
    private readonly limits: RelayLimits,
    private readonly activity: RelayActivity,
    /** Told of every introduction between two peers, so pipes can tell when one was ignored. */
    private readonly onIntroduced: (peerId: string, otherPeerId: string, documentIds: string[]) => void,
  ) {}

  get peerCount(): number {
    return this.peers.size
  }

  get documentCount(): number {
    return this.documents.size
  }

  get(peerId: string): Peer | undefined {
    return this.peers.get(peerId)
  }

  /** Decided before the WebSocket opens, so a refused Client backs off instead of retrying at once. */
  admit(peerId: string, address: string): Admission {
    const incumbent = this.peers.get(peerId)
    if (!incumbent) {
      if (this.peers.size >= this.limits.maxPeers) {
        return { ok: false, kind: 'limitReached', detail: `the relay holds its maximum of ${this.limits.maxPeers} peers` }
      }
      return { ok: true }
    }
    const collision = this.collisions.get(peerId)
    if (collision?.active) {
      collision.refused++
      collision.otherAddress = address
      return { ok: false, kind: 'peerIdInUse', detail: 'another live device uses this peer id' }
    }
    return { ok: true }
  }

  register(peerId: string, socket: RelaySocket, now = Date.now()): Peer {
    const incumbent = this.peers.get(peerId)
    if (incumbent) this.replace(incumbent, socket.remoteAddress, now)
    const { controlMessagesPerSecond, maxDocumentsPerPeer } = this.limits
    const peer: Peer = {
      id: peerId,
      socket,
      address: socket.remoteAddress,
      connectedSince: now,
      documents: new Set(),
      controlBudget: new RateBudget(controlMessagesPerSecond, maxDocumentsPerPeer + controlMessagesPerSecond, now),
      malformed: new WindowCount(MALFORMED_TOLERANCE.messages, MALFORMED_TOLERANCE.windowMs),
    }
    this.peers.set(peerId, peer)
    socket.peer = peer
    this.activity.totals.peersJoined++
    this.activity.record({ kind: 'peer-connect', peerId, address: peer.address })
    return peer
  }

  /** Called for every closing socket; one that is not (or no longer) a registered peer's changes nothing. */
  unregister(socket: RelaySocket, code: number, reason: string): void {
    const peer = socket.peer
    if (!peer || this.peers.get(peer.id) !== peer) return
    this.forget(peer)
    const collision = this.collisions.get(peer.id)
    if (collision?.active) this.collisions.delete(peer.id)
    this.activity.record({ kind: 'peer-disconnect', peerId: peer.id, address: peer.address, code, reason })
  }

  /**
   * Joins documents and introduces the peer to everyone sharing them, both ways. Documents the
   * peer had already joined are introduced again, as the published relay does, which lets a Client
   * reopen a pipe it closed by joining again.
   */
  join(peer: Peer, documentIds: string[]): 'ok' | 'limit' {
    const shared = new Map<Peer, string[]>()
    for (const documentId of new Set(documentIds)) {
      if (!peer.documents.has(documentId)) {
        if (peer.documents.size >= this.limits.maxDocumentsPerPeer) return 'limit'
        peer.documents.add(documentId)
        let members = this.documents.get(documentId)
        if (!members) this.documents.set(documentId, (members = new Set()))
        members.add(peer)
      }
      for (const other of this.documents.get(documentId)!) {
        if (other === peer) continue
        const list = shared.get(other)
        if (list) list.push(documentId)
        else shared.set(other, [documentId])
      }
    }
    this.activity.record({ kind: 'join', peerId: peer.id, documentIds })
    // Everyone sharing the same documents with the joiner gets the same bytes: encode them once.
    const toOthers = new Map<string, Buffer>()
    for (const [other, common] of shared) {
      const key = common.length === 1 ? common[0]! : JSON.stringify(common)
      let aboutJoiner = toOthers.get(key)
      if (!aboutJoiner) toOthers.set(key, (aboutJoiner = encodeIntroduction(peer.id, common)))
      this.send(other, aboutJoiner)
      this.send(peer, encodeIntroduction(other.id, common))
      this.activity.totals.introductions += 2
      this.activity.record({ kind: 'introduction', peerId: peer.id, otherPeerId: other.id, documentIds: common })
      this.onIntroduced(peer.id, other.id, common)
    }
    return 'ok'
  }

  /** Introduces `peerId` to `otherPeerId` on one document again, if both are still on it. */
  reintroduce(peerId: string, otherPeerId: string, documentId: string): void {
    const peer = this.peers.get(peerId)
    const other = this.peers.get(otherPeerId)
    if (!peer || !other || peer === other) return
    if (!peer.documents.has(documentId) || !other.documents.has(documentId)) return
    this.send(peer, encodeIntroduction(otherPeerId, [documentId]))
    this.activity.totals.introductions++
    this.activity.record({ kind: 'introduction', peerId: otherPeerId, otherPeerId: peerId, documentIds: [documentId] })
  }

  /** Leaving notifies nobody, as in the published relay; the Client closes its own pipes. */
  leave(peer: Peer, documentIds: string[]): void {
    for (const documentId of documentIds) {
      if (peer.documents.delete(documentId)) this.removeMember(documentId, peer)
    }
    this.activity.record({ kind: 'leave', peerId: peer.id, documentIds })
  }

  /** Introduction sockets that should be closed by an admin or on shutdown. */
  *sockets(): IterableIterator<RelaySocket> {
    for (const peer of this.peers.values()) yield peer.socket
  }

  peerViews(): PeerView[] {
    const views: PeerView[] = []
    for (const peer of this.peers.values()) {
      const view: PeerView = {
        id: peer.id,
        address: peer.address,
        connectedSince: peer.connectedSince,
        documents: [...peer.documents],
      }
      const collision = this.collisions.get(peer.id)
      if (collision?.active) {
        view.collision = { since: collision.since, refused: collision.refused, otherAddress: collision.otherAddress }
      }
      views.push(view)
    }
    return views
  }

  documentViews(): DocumentView[] {
    const views: DocumentView[] = []
    for (const [id, members] of this.documents) {
      views.push({ id, peers: [...members].map(peer => peer.id) })
    }
    return views
  }

  /** Drops collision records that have gone quiet, so the map cannot grow with departed ids. */
  prune(now = Date.now()): void {
    for (const [peerId, state] of this.collisions) {
      if (!state.active && now - (state.replacedAt.at(-1) ?? 0) > REPLACEMENT_WINDOW_MS) this.collisions.delete(peerId)
    }
  }

  private send(peer: Peer, introduction: Buffer): void {
    const socket = peer.socket
    if (socket.readyState !== socket.OPEN) return
    // Introductions are tiny; a backlog this large means the peer stopped reading altogether.
    if (socket.bufferedAmount > this.limits.pipeHighWaterMark) {
      socket.refuse('limitReached', 'peer is not reading its introductions')
      return
    }
    socket.send(introduction)
  }

  /**
   * A new socket for a connected peer id replaces the old one: after a network change the old
   * socket is often half-open and would otherwise hold the id until the ping reaps it. When the
   * displaced socket's owner comes straight back, two live devices share the id; from then on the
   * incumbent keeps it and the other is refused before its socket opens, so its Client backs off.
   */
  private replace(incumbent: Peer, newAddress: string, now: number): void {
    let state = this.collisions.get(incumbent.id)
    if (!state) {
      state = { since: now, refused: 0, otherAddress: incumbent.address, replacedAt: [], active: false }
      this.collisions.set(incumbent.id, state)
    }
    state.replacedAt = state.replacedAt.filter(at => now - at < REPLACEMENT_WINDOW_MS)
    state.replacedAt.push(now)
    if (!state.active && state.replacedAt.length >= REPLACEMENTS_FOR_COLLISION) {
      state.active = true
      state.since = now
      state.otherAddress = incumbent.address
      this.activity.totals.collisions++
      this.activity.record({
        kind: 'collision',
        peerId: incumbent.id,
        address: newAddress,
        reason: `two live connections keep taking over peer id (other: ${incumbent.address})`,
      })
    }
    this.forget(incumbent)
    const detail = 'a newer connection uses this peer id'
    incumbent.socket.refuse('replaced', detail)
    this.activity.refusal('replaced', { peerId: incumbent.id, address: incumbent.address, reason: closeReason('replaced', detail) })
  }

  private forget(peer: Peer): void {
    this.peers.delete(peer.id)
    for (const documentId of peer.documents) this.removeMember(documentId, peer)
  }

  private removeMember(documentId: string, peer: Peer): void {
    const members = this.documents.get(documentId)
    if (!members) return
    members.delete(peer)
    if (members.size === 0) this.documents.delete(documentId)
  }
}
