import { useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react'
import type { DeviceView, DocumentView, PeerView, PipeView } from '../../../shared/relay-model.js'
import { TOPOLOGY_LIMITS, buildTopology, shownIn, type Topology, type TopologyShown } from '../../model/topology.js'
import { TopologyLayout, type Point } from '../../model/topology-layout.js'
import { formatCount, formatRate, plural } from '../format.js'

interface TopologyViewProps {
  devices: ReadonlyMap<string, DeviceView>
  documents: ReadonlyMap<string, DocumentView>
  peers: ReadonlyMap<string, PeerView>
  pipes: ReadonlyMap<number, PipeView>
}

/** Room around the outermost nodes for their labels, on screen. */
const MARGIN_PX = 90
/** The frame's size before it is measured (and in tests without layout). */
const FALLBACK_FRAME = { width: 720, height: 440 }
const LABEL_PX = 11
const HUB_LABELS_UP_TO = 30
/** Characters of a label drawn in the picture; the whole text is in its tooltip and in the list. */
const LABEL_CHARS = 16

/**
 * A line's width for what flows along it: 1.5 for a live pipe carrying nothing, growing with the
 * logarithm of the rate (a busy sync and a trickle both stay visible), at most 10.
 */
export function edgeWidth(livePipes: number, bytesPerSecond: number): number {
  if (livePipes === 0) return 0.75
  return Math.min(10, 1.5 + 1.5 * Math.log10(1 + bytesPerSecond / 100))
}

const short = (text: string) => (text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text)
const hubRadius = (devices: number) => 8 + 3 * Math.sqrt(devices)

/** Documents as hubs, devices around them, live pipes as lines as wide as their traffic; and the same as a list. */
export function TopologyView({ devices, documents, peers, pipes }: TopologyViewProps) {
  const layout = useRef(new TopologyLayout()).current
  const shown = useRef<TopologyShown>(undefined)
  const topology = useMemo(() => {
    const built = buildTopology(devices, documents, peers, pipes, TOPOLOGY_LIMITS, shown.current)
    shown.current = shownIn(built)
    layout.update(built)
    return built
  }, [devices, documents, peers, pipes, layout])

  const summary = `${plural(topology.devices.length + topology.moreDevices, 'device')} on ${plural(topology.hubs.length + topology.moreDocuments, 'document')}`
  const more = [topology.moreDevices > 0 && `+${formatCount(topology.moreDevices)} more devices`, topology.moreDocuments > 0 && `+${formatCount(topology.moreDocuments)} more documents`].filter(Boolean)
  return (
    <section className="topology-view" aria-label="Map">
      <div className="toolbar">
        <span className="legend" aria-hidden="true">
          <span className="legend-hub" /> document <span className="legend-device" /> device <span className="legend-line" /> live pipes, wider with more traffic
        </span>
        <span className="summary">
          {summary}
          {more.length > 0 && ` · ${more.join(', ')} (the busiest are shown)`}
        </span>
      </div>
      {topology.hubs.length + topology.devices.length === 0 ? (
        <p className="placeholder">No device is connected.</p>
      ) : (
        <Picture topology={topology} layout={layout} label={`Map of ${summary}; the list below says the same.`} />
      )}
      <TopologyList topology={topology} />
    </section>
  )
}

function Picture({ topology, layout, label }: { topology: Topology; layout: TopologyLayout; label: string }) {
  const hubAt = new Map(topology.hubs.map(hub => [hub.id, layout.hub(hub.id)!]))
  const deviceAt = new Map(topology.devices.map(device => [device.address, layout.device(device.address)!]))
  const points: Point[] = [...hubAt.values(), ...deviceAt.values()]
  const ref = useRef<SVGSVGElement>(null)
  const { box, unitsPerPixel } = viewBox(points, useSize(ref))
  // Past a few dozen, document names would cover each other: they are in the tooltips and the list.
  const hubLabels = topology.hubs.length <= HUB_LABELS_UP_TO
  const hubsOf = new Map<string, Point[]>()
  for (const edge of topology.edges) hubsOf.set(edge.address, [...(hubsOf.get(edge.address) ?? []), hubAt.get(edge.documentId)!])
  return (
    <svg ref={ref} className="topology" viewBox={box.join(' ')} style={{ fontSize: LABEL_PX * unitsPerPixel }} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      <g className="edges">
        {topology.edges.map(edge => {
          const from = deviceAt.get(edge.address)!
          const to = hubAt.get(edge.documentId)!
          return (
            <line
              key={`${edge.address}\n${edge.documentId}`}
              className={edge.livePipes > 0 ? (edge.bytesPerSecond > 0 ? 'edge flowing' : 'edge live') : 'edge member'}
              x1={from.x}
              y1={from.y}
              x2={to.x}
              y2={to.y}
              strokeWidth={edgeWidth(edge.livePipes, edge.bytesPerSecond)}
            />
          )
        })}
      </g>
      {topology.hubs.map(hub => {
        const at = hubAt.get(hub.id)!
        const radius = hubRadius(hub.devices)
        return (
          <g key={hub.id} className="hub" data-id={hub.id} transform={`translate(${at.x} ${at.y})`}>
            <title>{`${hub.id}: ${plural(hub.devices, 'device')}, ${plural(hub.traffic.livePipes, 'live pipe')}, ${formatRate(hub.traffic.bytesPerSecond)}`}</title>
            <circle r={radius} />
            {hubLabels && (
              <text y={radius + 12} textAnchor="middle">
                {short(hub.id)}
              </text>
            )}
          </g>
        )
      })}
      {topology.devices.map(({ address, label, device }) => {
        const at = deviceAt.get(address)!
        return (
          <g key={address} className={device.bytesPerSecond > 0 ? 'device flowing' : 'device'} data-id={address} transform={`translate(${at.x} ${at.y})`}>
            <title>{`${label}${label === address ? '' : ` (${address})`}: ${plural(device.peers.length, 'app')}, ${formatRate(device.bytesPerSecond)}`}</title>
            <circle r={6} />
            <DeviceLabel at={at} hubs={hubsOf.get(address) ?? []} text={short(label)} />
          </g>
        )
      })}
    </svg>
  )
}

/**
 * The picture's extent in picture units: the nodes with a margin, grown to at least the frame's
 * size in pixels (a handful of nodes are drawn at their natural size, not blown up) and to the
 * frame's shape (no empty bands). Picture units per pixel come with it.
 */
function viewBox(points: readonly Point[], frame: Size): { box: [number, number, number, number]; unitsPerPixel: number } {
  const minX = Math.min(...points.map(p => p.x))
  const minY = Math.min(...points.map(p => p.y))
  const maxX = Math.max(...points.map(p => p.x))
  const maxY = Math.max(...points.map(p => p.y))
  // The margin is in pixels, so the labels of the outermost nodes fit at any scale.
  const margin = Math.min(MARGIN_PX, frame.width / 6, frame.height / 6)
  const unitsPerPixel = Math.max((maxX - minX) / (frame.width - 2 * margin), (maxY - minY) / (frame.height - 2 * margin), 1)
  const width = frame.width * unitsPerPixel
  const height = frame.height * unitsPerPixel
  return { box: [(minX + maxX - width) / 2, (minY + maxY - height) / 2, width, height], unitsPerPixel }
}

interface Size {
  width: number
  height: number
}

/** The element's size in pixels, followed as the window resizes; FALLBACK_FRAME until measured. */
function useSize(ref: RefObject<Element | null>): Size {
  const [size, setSize] = useState<Size>(FALLBACK_FRAME)
  useLayoutEffect(() => {
    const element = ref.current
    if (!element || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0 && element.clientHeight > 0) setSize({ width: element.clientWidth, height: element.clientHeight })
    })
    observer.observe(element)
    return () => observer.disconnect()
  }, [ref])
  return size
}

/** A device's name on the side facing away from its hubs, where the lines to them are not. */
function DeviceLabel({ at, hubs, text }: { at: Point; hubs: readonly Point[]; text: string }) {
  const from = hubs.length > 0 ? { x: hubs.reduce((sum, p) => sum + p.x, 0) / hubs.length, y: hubs.reduce((sum, p) => sum + p.y, 0) / hubs.length } : { x: 0, y: 0 }
  const dx = at.x - from.x
  const dy = at.y - from.y
  const length = Math.hypot(dx, dy) || 1
  if (Math.abs(dx) / length > 0.4) {
    return (
      <text x={dx > 0 ? 10 : -10} y={4} textAnchor={dx > 0 ? 'start' : 'end'}>
        {text}
      </text>
    )
  }
  return (
    <text y={dy > 0 ? 20 : -11} textAnchor="middle">
      {text}
    </text>
  )
}

/** What the picture shows, as a table: for keyboards, screen readers and exact numbers. */
function TopologyList({ topology }: { topology: Topology }) {
  const labels = new Map(topology.devices.map(device => [device.address, device.label]))
  const byDocument = new Map<string, string[]>()
  for (const edge of topology.edges) {
    const list = byDocument.get(edge.documentId) ?? []
    list.push(`${labels.get(edge.address)}${edge.livePipes > 0 ? ` (${plural(edge.livePipes, 'live pipe')})` : ''}`)
    byDocument.set(edge.documentId, list)
  }
  const alone = topology.devices.filter(device => !topology.edges.some(edge => edge.address === device.address)).map(device => device.label)
  return (
    <div className="topology-list" role="region" aria-label="Who shares what" tabIndex={0}>
      <table>
        <caption>Who shares what</caption>
        <thead>
          <tr>
            <th scope="col">Document</th>
            <th scope="col">Devices</th>
            <th scope="col" className="end">
              Traffic
            </th>
          </tr>
        </thead>
        <tbody>
          {topology.hubs.map(hub => (
            <tr key={hub.id}>
              <th scope="row" className="id">
                {hub.id}
              </th>
              <td>{(byDocument.get(hub.id) ?? []).join(', ')}</td>
              <td className="end">{formatRate(hub.traffic.bytesPerSecond)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {alone.length > 0 && <p className="hint">In no document: {alone.join(', ')}</p>}
    </div>
  )
}
