import {
  LISTED_PARTS,
  MONITOR_PROTOCOL,
  STATS_PARTS,
  pipeCounters,
  type ListChanges,
  type ModelParts,
  type MonitorSnapshotMessage,
  type MonitorUpdateMessage,
  type PipeCounters,
} from '../../shared/monitoring.js'
import type { DeviceView, DocumentView, PeerView, PipeView, RelaySnapshot } from '../../shared/relay-model.js'

/**
 * Turns successive snapshots of the live model into the monitoring feed: the current snapshot for
 * a new subscriber, and for everyone else only what changed since the previous one. Computed once
 * per publish whatever the number of subscribers, and never per relayed message. Entries are
 * compared field by field with what was last sent, which with 5,000 peers costs a fraction of what
 * reading the model does.
 */
export class MonitorFeed {
  private current: RelaySnapshot | undefined
  private readonly peers = new Map<string, PeerView>()
  private readonly documents = new Map<string, DocumentView>()
  private readonly pipes = new Map<number, PipeView>()
  private readonly devices = new Map<string, DeviceView>()
  private lastEventSeq = 0
  /** Each of the other model parts as last sent, serialised, to tell when one changed. */
  private readonly parts = new Map<string, string>()

  /** Makes `snapshot` the current state and returns what changed since the previous one. */
  advance(snapshot: RelaySnapshot): MonitorUpdateMessage {
    this.current = snapshot
    const { takenAt, listening, urls, counts, totals, rates } = snapshot
    const update: MonitorUpdateMessage = { type: 'update', stats: { takenAt, listening, urls, counts, totals, rates } }
    const parts = this.changedParts(snapshot)
    if (parts) update.parts = parts
    const peers = diff(this.peers, snapshot.peers, peer => peer.id, samePeer)
    if (peers) update.peers = peers
    const documents = diff(this.documents, snapshot.documents, document => document.id, (a, b) => sameList(a.peers, b.peers))
    if (documents) update.documents = documents
    const devices = diff(this.devices, snapshot.devices, device => device.address, sameDevice)
    if (devices) update.devices = devices
    // A pipe that opened or went live is sent whole; one whose traffic changed, as a counters tuple.
    const counters: PipeCounters[] = []
    const pipes = diff(this.pipes, snapshot.pipes, pipe => pipe.id, (sent, next) => {
      if (sent.state !== next.state || sent.liveSince !== next.liveSince) return false
      if (!sameCounters(sent, next)) counters.push(pipeCounters(next))
      return true
    })
    if (pipes) update.pipes = pipes
    if (counters.length > 0) update.pipeCounters = counters
    const events = snapshot.events.filter(event => event.seq > this.lastEventSeq)
    if (events.length > 0) {
      update.events = events
      this.lastEventSeq = events.at(-1)!.seq
    }
    return update
  }

  /** The state the last update brought everyone to, for a subscriber starting now. */
  snapshotMessage(): MonitorSnapshotMessage {
    if (!this.current) throw new Error('the feed has not advanced yet')
    return { type: 'snapshot', protocol: MONITOR_PROTOCOL, snapshot: this.current }
  }

  private changedParts(snapshot: RelaySnapshot): Partial<ModelParts> | undefined {
    let changed: Record<string, unknown> | undefined
    for (const [name, value] of Object.entries(snapshot)) {
      if ((LISTED_PARTS as readonly string[]).includes(name) || (STATS_PARTS as readonly string[]).includes(name)) continue
      const serialised = JSON.stringify(value)
      if (this.parts.get(name) === serialised) continue
      this.parts.set(name, serialised)
      ;(changed ??= {})[name] = value
    }
    return changed as Partial<ModelParts> | undefined
  }
}

/**
 * Compares `next` with what was sent before, by key, and brings `sent` up to date. `same` says
 * whether an entry a dashboard already has needs sending again. Undefined when nothing changed.
 */
function diff<T, K>(sent: Map<K, T>, next: readonly T[], keyOf: (item: T) => K, same: (sent: T, next: T) => boolean): ListChanges<T, K> | undefined {
  const sentBefore = sent.size
  let stillThere = 0
  const upserted: T[] = []
  for (const item of next) {
    const key = keyOf(item)
    const previous = sent.get(key)
    if (previous !== undefined) stillThere++
    if (previous === undefined || !same(previous, item)) upserted.push(item)
    // Always the newest view: pipe counters compare against what the dashboard now shows.
    sent.set(key, item)
  }
  const removed: K[] = []
  if (stillThere < sentBefore) {
    const present = new Set(next.map(keyOf))
    for (const key of sent.keys()) {
      if (!present.has(key)) {
        sent.delete(key)
        removed.push(key)
      }
    }
  }
  return upserted.length > 0 || removed.length > 0 ? { upserted, removed } : undefined
}

function samePeer(a: PeerView, b: PeerView): boolean {
  return (
    a.address === b.address &&
    a.deviceName === b.deviceName &&
    a.connectedSince === b.connectedSince &&
    sameList(a.documents, b.documents) &&
    a.collision?.refused === b.collision?.refused &&
    a.collision?.otherAddress === b.collision?.otherAddress &&
    a.collision?.since === b.collision?.since
  )
}

function sameDevice(a: DeviceView, b: DeviceView): boolean {
  return (
    a.name === b.name &&
    a.nameSource === b.nameSource &&
    a.documents === b.documents &&
    a.pipesLive === b.pipesLive &&
    a.bytes === b.bytes &&
    a.bytesPerSecond === b.bytesPerSecond &&
    a.connectedSince === b.connectedSince &&
    sameList(a.peers, b.peers)
  )
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function sameCounters(a: PipeView, b: PipeView): boolean {
  return (
    a.bytes[0] === b.bytes[0] &&
    a.bytes[1] === b.bytes[1] &&
    a.messages[0] === b.messages[0] &&
    a.messages[1] === b.messages[1] &&
    a.bytesPerSecond[0] === b.bytesPerSecond[0] &&
    a.bytesPerSecond[1] === b.bytesPerSecond[1] &&
    a.heldBytes === b.heldBytes &&
    a.throttled[0] === b.throttled[0] &&
    a.throttled[1] === b.throttled[1]
  )
}
