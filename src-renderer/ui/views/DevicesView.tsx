import { useCallback, useDeferredValue, useMemo, useState } from 'react'
import type { DeviceView, HistoryView, PeerView, PipeView, RecentDeviceView, RecentPeerView } from '../../../shared/relay-model.js'
import { NO_TRAFFIC, trafficByPeer, type Traffic } from '../../model/traffic.js'
import { compareText } from '../compare-text.js'
import { Expander, toggled } from '../components/Expander.js'
import { SearchBox, matcher } from '../components/SearchBox.js'
import { VirtualTable, type Column } from '../components/VirtualTable.js'
import { formatBytes, formatCount, formatDateTime, formatDuration, formatRate, plural, shownOf } from '../format.js'
import { DeviceName, deviceLabel } from './device-label.js'

interface DevicesViewProps {
  devices: ReadonlyMap<string, DeviceView>
  peers: ReadonlyMap<string, PeerView>
  pipes: ReadonlyMap<number, PipeView>
  history: HistoryView | undefined
  now: number
}

/** A device, or (expanded under it) one of its peers. */
type LiveRow = { kind: 'device'; device: DeviceView; open: boolean } | { kind: 'peer'; peer: PeerView; traffic: Traffic }
type RecentRow = { kind: 'device'; device: RecentDeviceView; open: boolean } | { kind: 'peer'; peer: RecentPeerView; address: string }

/** Sorts devices only: peers under an expanded device keep their own order. */
const devices =
  <Row extends { kind: string }, D>(get: (row: Row & { kind: 'device' }) => D, compare: (a: D, b: D) => number) =>
  (a: Row, b: Row) =>
    a.kind === 'device' && b.kind === 'device' ? compare(get(a as Row & { kind: 'device' }), get(b as Row & { kind: 'device' })) : 0
const numbers = (a: number, b: number) => a - b

/** The device (expandable, by name) or, under it, the peer's id. */
function deviceColumn<Row extends LiveRow | RecentRow>(toggle: (address: string) => void, appsOn: string): Column<Row> {
  return {
    id: 'device',
    header: 'Device',
    width: 'minmax(9rem, 2fr)',
    compare: devices<Row, string>(row => deviceLabel(row.device), compareText),
    cell: row =>
      row.kind === 'device' ? (
        <span className="with-expander">
          <Expander open={row.open} label={`${row.open ? 'Hide' : 'Show'} ${appsOn} ${deviceLabel(row.device)}`} onToggle={() => toggle(row.device.address)} />
          <DeviceName device={row.device} />
        </span>
      ) : (
        <span className="id" title={row.peer.id}>
          {row.peer.id}
        </span>
      ),
  }
}

/** A number per row, sorted by the devices' values; `undefined` leaves a peer's cell empty. */
function numberColumn<Row extends LiveRow | RecentRow>(
  id: string,
  header: string,
  width: string,
  value: (row: Row) => number | undefined,
  { optional = false, format = formatCount }: { optional?: boolean; format?: (n: number) => string } = {},
): Column<Row> {
  return {
    id,
    header,
    width,
    align: 'end',
    optional,
    compare: (a, b) => (a.kind === 'device' && b.kind === 'device' ? value(a)! - value(b)! : 0),
    cell: row => {
      const n = value(row)
      return n === undefined ? '' : format(n)
    },
  }
}

const liveColumns = (now: number, toggle: (address: string) => void): Column<LiveRow>[] => [
  deviceColumn<LiveRow>(toggle, 'the apps on'),
  numberColumn<LiveRow>('apps', 'Apps', '6rem', row => (row.kind === 'device' ? row.device.peers.length : undefined), { optional: true }),
  numberColumn<LiveRow>('documents', 'Documents', '9.5rem', row => (row.kind === 'device' ? row.device.documents : row.peer.documents.length), { optional: true }),
  numberColumn<LiveRow>('pipes', 'Live pipes', '9rem', row => (row.kind === 'device' ? row.device.pipesLive : row.traffic.livePipes), { optional: true }),
  {
    id: 'traffic',
    header: 'Traffic',
    width: '10.5rem',
    align: 'end',
    // Busiest now first, then most carried so far.
    compare: devices(row => row.device, (a, b) => a.bytesPerSecond - b.bytesPerSecond || a.bytes - b.bytes),
    cell: row => {
      const { bytes, bytesPerSecond } = row.kind === 'device' ? row.device : row.traffic
      return `${formatBytes(bytes)} · ${formatRate(bytesPerSecond)}`
    },
  },
  {
    id: 'since',
    header: 'Connected',
    width: '8.5rem',
    align: 'end',
    optional: true,
    compare: devices(row => row.device.connectedSince, numbers),
    cell: row => {
      const since = row.kind === 'device' ? row.device.connectedSince : row.peer.connectedSince
      return <span title={formatDateTime(since)}>{formatDuration(now - since)}</span>
    },
  },
]

const recentColumns = (now: number, toggle: (address: string) => void): Column<RecentRow>[] => [
  deviceColumn<RecentRow>(toggle, 'the apps seen on'),
  seenColumn('last', 'Last seen', 'lastSeen', now),
  { ...seenColumn('first', 'First seen', 'firstSeen', now), optional: true },
  numberColumn<RecentRow>('documents', 'Documents', '9.5rem', row => (row.kind === 'device' ? row.device : row.peer).documents, { optional: true }),
  numberColumn<RecentRow>('bytes', 'Traffic', '7.5rem', row => (row.kind === 'device' ? row.device : row.peer).bytes, { optional: true, format: formatBytes }),
]

/** "2 h 5 min ago", with the date and time on hover. */
function seenColumn(id: string, header: string, field: 'firstSeen' | 'lastSeen', now: number): Column<RecentRow> {
  return {
    id,
    header,
    width: '9rem',
    align: 'end',
    compare: devices(row => row.device[field], numbers),
    cell: row => {
      const at = (row.kind === 'device' ? row.device : row.peer)[field]
      return <span title={formatDateTime(at)}>{formatDuration(now - at)} ago</span>
    },
  }
}

/** Devices connected now, each expandable to its apps (peers), and below them the devices seen recently. */
export function DevicesView({ devices: live, peers, pipes, history, now }: DevicesViewProps) {
  const [query, setQuery] = useState('')
  const deferredQuery = useDeferredValue(query)
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set())
  const [openRecent, setOpenRecent] = useState<ReadonlySet<string>>(new Set())
  const toggle = useCallback((address: string) => setOpen(current => toggled(current, address)), [])
  const toggleRecent = useCallback((address: string) => setOpenRecent(current => toggled(current, address)), [])
  const traffic = useMemo(() => trafficByPeer(pipes), [pipes])

  const match = useMemo(() => matcher(deferredQuery), [deferredQuery])
  const liveRows = useMemo(() => {
    const out: LiveRow[] = []
    for (const device of live.values()) {
      if (!match || match([device.name ?? '', device.address, ...device.peers])) out.push({ kind: 'device', device, open: open.has(device.address) })
    }
    return out
  }, [live, match, open])
  const liveChildren = useCallback(
    (row: LiveRow): LiveRow[] | undefined => {
      if (row.kind !== 'device' || !row.open) return undefined
      const out: LiveRow[] = []
      for (const id of row.device.peers) {
        const peer = peers.get(id)
        if (peer) out.push({ kind: 'peer', peer, traffic: traffic.get(id) ?? NO_TRAFFIC })
      }
      return out
    },
    [peers, traffic],
  )
  const recent = history?.devices ?? []
  const recentRows = useMemo(
    () =>
      recent
        .filter(device => !match || match([device.name ?? '', device.address, ...device.peers.map(peer => peer.id)]))
        .map((device): RecentRow => ({ kind: 'device', device, open: openRecent.has(device.address) })),
    [recent, match, openRecent],
  )
  const recentChildren = useCallback(
    (row: RecentRow): RecentRow[] | undefined =>
      row.kind === 'device' && row.open ? row.device.peers.map(peer => ({ kind: 'peer', peer, address: row.device.address })) : undefined,
    [],
  )
  const liveTable = useMemo(() => liveColumns(now, toggle), [now, toggle])
  const recentTable = useMemo(() => recentColumns(now, toggleRecent), [now, toggleRecent])

  return (
    <section className="list-view devices-view" aria-label="Devices">
      <div className="toolbar">
        <SearchBox label="Filter devices" value={query} onChange={setQuery} placeholder="name, address or peer id" />
        <span className="summary">{shownOf(liveRows.length, live.size, 'device')} connected</span>
      </div>
      <VirtualTable
        label="Devices connected"
        rows={liveRows}
        columns={liveTable}
        rowKey={rowKey}
        childRows={liveChildren}
        initialSort={{ column: 'traffic', direction: 'descending' }}
        empty={live.size === 0 ? 'No device is connected.' : 'No device matches the filter.'}
      />
      <h2 className="section-heading">
        Recently seen <span className="hint">devices that left in the last 7 days</span>
      </h2>
      {history?.enabled === false ? (
        <p className="hint history-off">History is turned off on this relay, so devices that left are not kept.</p>
      ) : (
        <VirtualTable
          label="Devices seen recently"
          rows={recentRows}
          columns={recentTable}
          rowKey={rowKey}
          childRows={recentChildren}
          initialSort={{ column: 'last', direction: 'descending' }}
          empty={recent.length === 0 ? 'No device has left in the last 7 days.' : `No device seen recently matches the filter (${plural(recent.length, 'device')} kept).`}
        />
      )}
    </section>
  )
}

function rowKey(row: LiveRow | RecentRow): string {
  return row.kind === 'device' ? `device ${row.device.address}` : `peer ${row.peer.id} ${'address' in row ? row.address : ''}`
}
