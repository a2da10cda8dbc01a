// @vitest-environment jsdom
import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { DeviceView, DocumentView, PeerView, PipeView } from '../../shared/relay-model.js'
import { buildTopology, shownIn } from '../../src-renderer/model/topology.js'
import { TopologyLayout, type Point } from '../../src-renderer/model/topology-layout.js'
import { TopologyView, edgeWidth } from '../../src-renderer/ui/views/TopologyView.js'
import './dom.js'
import { device, peer, pipe } from './fixtures.js'

/** `devices` devices each with one peer `p<i>`, all on document `doc-<i mod documents>`; a live pipe between each pair of neighbours. */
function lan(deviceCount: number, documentCount: number, rate = (_i: number) => 0) {
  const devices = new Map<string, DeviceView>()
  const peers = new Map<string, PeerView>()
  const documents = new Map<string, DocumentView>()
  const pipes = new Map<number, PipeView>()
  for (let i = 0; i < deviceCount; i++) {
    const address = `10.0.0.${i + 1}`
    const documentId = `doc-${i % documentCount}`
    devices.set(address, device(address, { name: `device-${i}`, peers: [`p${i}`], bytesPerSecond: rate(i), bytes: rate(i) }))
    peers.set(`p${i}`, peer(`p${i}`, { address, documents: [documentId] }))
    const document = documents.get(documentId) ?? { id: documentId, peers: [] }
    document.peers.push(`p${i}`)
    documents.set(documentId, document)
  }
  for (let i = 0; i + documentCount < deviceCount; i++) {
    const documentId = `doc-${i % documentCount}`
    pipes.set(i, pipe(i, { documentId, peers: [`p${i}`, `p${i + documentCount}`], bytesPerSecond: [rate(i), 0] }))
  }
  return { devices, documents, peers, pipes }
}

const distance = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y)

describe('topology', () => {
  it('links each device to the documents its peers joined, with its live pipes and their traffic', () => {
    const { devices, documents, peers, pipes } = lan(4, 2, i => (i === 0 ? 5_000 : 0))
    const topology = buildTopology(devices, documents, peers, pipes)
    expect(topology.hubs.map(hub => [hub.id, hub.devices])).toEqual([
      ['doc-0', 2],
      ['doc-1', 2],
    ])
    const edgeOf = (address: string) => topology.edges.find(edge => edge.address === address)!
    // Device 1 and device 3 share doc-0's pipe 0 carrying 5 kB/s; both ends carry it.
    expect(edgeOf('10.0.0.1')).toEqual({ address: '10.0.0.1', documentId: 'doc-0', livePipes: 1, bytesPerSecond: 5_000 })
    expect(edgeOf('10.0.0.3')).toEqual({ address: '10.0.0.3', documentId: 'doc-0', livePipes: 1, bytesPerSecond: 5_000 })
    expect(edgeOf('10.0.0.2')).toMatchObject({ documentId: 'doc-1', livePipes: 1, bytesPerSecond: 0 })
  })

  it('past the limits keeps the busiest devices and documents and counts the rest', () => {
    const { devices, documents, peers, pipes } = lan(80, 40, i => i * 10)
    const topology = buildTopology(devices, documents, peers, pipes, { devices: 50, documents: 30 })
    expect(topology.devices).toHaveLength(50)
    expect(topology.moreDevices).toBe(30)
    expect(topology.hubs).toHaveLength(30)
    expect(topology.moreDocuments).toBe(10)
    expect(topology.devices[0]!.label).toBe('device-79')
    // No line leads to a node left out.
    const shown = new Set(topology.devices.map(d => d.address))
    const hubs = new Set(topology.hubs.map(h => h.id))
    expect(topology.edges.every(edge => shown.has(edge.address) && hubs.has(edge.documentId))).toBe(true)
  })

  it('past the limits keeps what it drew while rankings wobble; a node left out comes in only when clearly busier', () => {
    const limits = { devices: 2, documents: 10 }
    const rates = (values: number[]) => lan(3, 1, i => values[i]!)
    const first = rates([300, 200, 100])
    const drawn = buildTopology(first.devices, first.documents, first.peers, first.pipes, limits)
    expect(drawn.devices.map(d => d.label)).toEqual(['device-0', 'device-1'])
    // device-2 is now a little busier than device-1: nothing changes.
    const wobble = rates([300, 200, 250])
    const kept = buildTopology(wobble.devices, wobble.documents, wobble.peers, wobble.pipes, limits, shownIn(drawn))
    expect(kept.devices.map(d => d.label)).toEqual(['device-0', 'device-1'])
    expect(kept.moreDevices).toBe(1)
    // Far busier: it takes the quietest one's place.
    const surge = rates([300, 200, 5_000])
    expect(buildTopology(surge.devices, surge.documents, surge.peers, surge.pipes, limits, shownIn(kept)).devices.map(d => d.label)).toEqual(['device-2', 'device-0'])
  })

  it('keeps every node where it was across updates, places newcomers near their hubs, overlaps nothing', () => {
    const layout = new TopologyLayout()
    const first = lan(30, 10)
    layout.update(buildTopology(first.devices, first.documents, first.peers, first.pipes))
    const before = new Map([...first.devices.keys()].map(address => [address, layout.device(address)!]))
    const hubsBefore = [...first.documents.keys()].map(id => layout.hub(id)!)

    // Ten more devices join, traffic changes everywhere, and the busiest order is turned around.
    const second = lan(40, 10, i => (40 - i) * 1_000)
    layout.update(buildTopology(second.devices, second.documents, second.peers, second.pipes))
    for (const [address, point] of before) expect(layout.device(address)).toEqual(point)
    expect([...second.documents.keys()].map(id => layout.hub(id)!)).toEqual(hubsBefore)

    for (let i = 30; i < 40; i++) {
      const placed = layout.device(`10.0.0.${i + 1}`)!
      const own = layout.hub(`doc-${i % 10}`)!
      // Within about three hub spacings of its hub, though four devices crowd each of them.
      expect(distance(placed, own)).toBeLessThan(150)
    }
    const points = [...[...second.devices.keys()].map(a => layout.device(a)!), ...[...second.documents.keys()].map(id => layout.hub(id)!)]
    for (let i = 0; i < points.length; i++) for (let j = i + 1; j < points.length; j++) expect(distance(points[i]!, points[j]!)).toBeGreaterThanOrEqual(20)
  })

  it('forgets a device that left, so its place goes to whoever comes next', () => {
    const layout = new TopologyLayout()
    const { devices, documents, peers, pipes } = lan(3, 1)
    layout.update(buildTopology(devices, documents, peers, pipes))
    devices.delete('10.0.0.2')
    layout.update(buildTopology(devices, documents, peers, pipes))
    expect(layout.device('10.0.0.2')).toBeUndefined()
  })

  it('draws lines wider as traffic grows, within bounds', () => {
    expect(edgeWidth(0, 0)).toBeLessThan(edgeWidth(1, 0))
    expect(edgeWidth(1, 0)).toBeLessThan(edgeWidth(1, 10_000))
    expect(edgeWidth(1, 10_000)).toBeLessThan(edgeWidth(1, 10_000_000))
    expect(edgeWidth(1, 1e15)).toBe(10)
  })
})

describe('map view', () => {
  it('draws the picture with a label and says the same as a table: each document with its devices and traffic', () => {
    const { devices, documents, peers, pipes } = lan(4, 2, i => (i === 0 ? 5_000 : 0))
    render(<TopologyView devices={devices} documents={documents} peers={peers} pipes={pipes} />)
    expect(screen.getByRole('img', { name: 'Map of 4 devices on 2 documents; the list below says the same.' })).toBeTruthy()
    const table = within(screen.getByRole('region', { name: 'Who shares what' })).getByRole('table')
    const rows = within(table).getAllByRole('row').slice(1).map(row => [...row.children].map(cell => cell.textContent))
    expect(rows).toEqual([
      ['doc-0', 'device-0 (1 live pipe), device-2 (1 live pipe)', '5.0 kB/s'],
      ['doc-1', 'device-1 (1 live pipe), device-3 (1 live pipe)', '0 B/s'],
    ])
    const widths = [...document.querySelectorAll('line.edge')].map(line => Number(line.getAttribute('stroke-width')))
    expect(widths).toHaveLength(4)
    expect(document.querySelectorAll('line.edge.flowing')).toHaveLength(2)
  })

  it('says how many devices and documents were left out', () => {
    const { devices, documents, peers, pipes } = lan(120, 120)
    render(<TopologyView devices={devices} documents={documents} peers={peers} pipes={pipes} />)
    expect(document.querySelector('.topology-view .summary')!.textContent).toBe('120 devices on 120 documents · +70 more devices, +20 more documents (the busiest are shown)')
    expect(document.querySelectorAll('g.device')).toHaveLength(50)
    expect(document.querySelectorAll('g.hub')).toHaveLength(100)
  })
})
