/**
 * The picture of who shares what: documents as hubs, devices as nodes, and between them the
 * devices' membership (a peer on the device joined the document) and their live pipes' traffic.
 * Past the limits only the busiest are kept and the rest counted, so the picture stays legible.
 */
import type { DeviceView, DocumentView, PeerView, PipeView } from '../../shared/relay-model.js'
import { trafficByDocument, type Traffic } from './traffic.js'

export interface TopologyLimits {
  devices: number
  documents: number
}

/** Legible on a laptop screen; beyond this the picture shows the busiest and counts the rest. */
export const TOPOLOGY_LIMITS: TopologyLimits = { devices: 50, documents: 100 }

export interface HubNode {
  id: string
  /** Devices in the picture that joined it. */
  devices: number
  traffic: Traffic
}

export interface DeviceNode {
  address: string
  label: string
  device: DeviceView
}

/** A device's part in a document: its live pipes on it and what they carry now (both ways). */
export interface TopologyEdge {
  address: string
  documentId: string
  livePipes: number
  bytesPerSecond: number
}

export interface Topology {
  hubs: HubNode[]
  devices: DeviceNode[]
  edges: TopologyEdge[]
  /** Left out past the limits. */
  moreDevices: number
  moreDocuments: number
}

const busiest = (a: Traffic | DeviceView, b: Traffic | DeviceView) => b.bytesPerSecond - a.bytesPerSecond || b.bytes - a.bytes

/** A node not shown takes the place of the quietest one shown only when it is this much busier, so rankings that wobble do not swap nodes in and out every second. */
const TAKEOVER_FACTOR = 2

/**
 * The `limit` busiest of `ranked` (busiest first), keeping those shown last time (`previous`) unless
 * one left out is clearly busier. Returns them in `ranked` order.
 */
function pickSticky<T>(ranked: readonly T[], limit: number, previous: ReadonlySet<string> | undefined, key: (item: T) => string, rate: (item: T) => number): T[] {
  if (ranked.length <= limit || !previous) return ranked.slice(0, limit)
  const kept = ranked.filter(item => previous.has(key(item))).slice(0, limit)
  const others = ranked.filter(item => !previous.has(key(item)))
  const chosen = new Set([...kept, ...others.slice(0, limit - kept.length)])
  for (const candidate of others) {
    if (chosen.has(candidate)) continue
    const quietest = [...chosen].reduce((a, b) => (rate(b) < rate(a) ? b : a))
    if (rate(candidate) <= TAKEOVER_FACTOR * rate(quietest)) break
    chosen.delete(quietest)
    chosen.add(candidate)
  }
  return ranked.filter(item => chosen.has(item))
}

/** What was drawn last time, so that what is drawn next changes only when it has to. */
export interface TopologyShown {
  devices: ReadonlySet<string>
  documents: ReadonlySet<string>
}

export const shownIn = (topology: Topology): TopologyShown => ({
  devices: new Set(topology.devices.map(device => device.address)),
  documents: new Set(topology.hubs.map(hub => hub.id)),
})

export function buildTopology(
  devices: ReadonlyMap<string, DeviceView>,
  documents: ReadonlyMap<string, DocumentView>,
  peers: ReadonlyMap<string, PeerView>,
  pipes: ReadonlyMap<number, PipeView>,
  limits: TopologyLimits = TOPOLOGY_LIMITS,
  previous?: TopologyShown,
): Topology {
  const shownDevices = pickSticky([...devices.values()].sort(busiest), limits.devices, previous?.devices, device => device.address, device => device.bytesPerSecond)
  const documentTraffic = trafficByDocument(pipes)
  const none: Traffic = { livePipes: 0, waitingPipes: 0, bytes: 0, bytesPerSecond: 0 }
  const ranked = pickSticky(
    [...documents.values()]
      .map(document => ({ document, traffic: documentTraffic.get(document.id) ?? none }))
      .sort((a, b) => busiest(a.traffic, b.traffic) || b.document.peers.length - a.document.peers.length),
    limits.documents,
    previous?.documents,
    ({ document }) => document.id,
    ({ traffic }) => traffic.bytesPerSecond,
  )
  const shownDocuments = new Set(ranked.map(({ document }) => document.id))
  const shownAddresses = new Set(shownDevices.map(device => device.address))
  const addressOf = (peerId: string) => peers.get(peerId)?.address

  const edges = new Map<string, TopologyEdge>()
  const edge = (address: string | undefined, documentId: string) => {
    if (address === undefined || !shownAddresses.has(address) || !shownDocuments.has(documentId)) return undefined
    const key = `${address}\n${documentId}`
    let found = edges.get(key)
    if (!found) edges.set(key, (found = { address, documentId, livePipes: 0, bytesPerSecond: 0 }))
    return found
  }
  for (const { document } of ranked) for (const peerId of document.peers) edge(addressOf(peerId), document.id)
  for (const pipe of pipes.values()) {
    if (pipe.state !== 'live') continue
    // Each end's device carries what it sends and what it receives on this pipe.
    const rate = pipe.bytesPerSecond[0] + pipe.bytesPerSecond[1]
    for (const address of new Set([addressOf(pipe.peers[0]), addressOf(pipe.peers[1])])) {
      const found = edge(address, pipe.documentId)
      if (!found) continue
      found.livePipes++
      found.bytesPerSecond += rate
    }
  }

  const devicesOn = new Map<string, number>()
  for (const { documentId } of edges.values()) devicesOn.set(documentId, (devicesOn.get(documentId) ?? 0) + 1)
  return {
    hubs: ranked.map(({ document, traffic }) => ({ id: document.id, devices: devicesOn.get(document.id) ?? 0, traffic })),
    devices: shownDevices.map(device => ({ address: device.address, label: device.name ?? device.address, device })),
    edges: [...edges.values()],
    moreDevices: devices.size - shownDevices.length,
    moreDocuments: documents.size - shownDocuments.size,
  }
}
