import { useDeferredValue, useMemo, useState } from 'react'
import type { PeerView, PipeView } from '../../../shared/relay-model.js'
import { NO_TRAFFIC, trafficByPeer, type Traffic } from '../../model/traffic.js'
import { compareText } from '../compare-text.js'
import { ListView } from '../components/ListView.js'
import { SearchBox, matcher } from '../components/SearchBox.js'
import { VirtualTable, type Column } from '../components/VirtualTable.js'
import { formatCount, formatDateTime, formatDuration, shownOf } from '../format.js'
import { DeviceName } from './device-label.js'
import { TRAFFIC_COLUMN } from './traffic-column.js'

interface PeerRow {
  peer: PeerView
  traffic: Traffic
}

interface PeersViewProps {
  peers: ReadonlyMap<string, PeerView>
  pipes: ReadonlyMap<number, PipeView>
  now: number
  onDisconnect(peer: PeerView): void
}

const byId = (a: PeerRow, b: PeerRow) => compareText(a.peer.id, b.peer.id)
const byDevice = (a: PeerRow, b: PeerRow) => compareText(a.peer.deviceName ?? a.peer.address, b.peer.deviceName ?? b.peer.address)
const bySince = (a: PeerRow, b: PeerRow) => a.peer.connectedSince - b.peer.connectedSince
const byDocuments = (a: PeerRow, b: PeerRow) => a.peer.documents.length - b.peer.documents.length
const byPipes = (a: PeerRow, b: PeerRow) => a.traffic.livePipes + a.traffic.waitingPipes - (b.traffic.livePipes + b.traffic.waitingPipes)

export function PeersView({ peers, pipes, now, onDisconnect }: PeersViewProps) {
  const [query, setQuery] = useState('')
  const deferredQuery = useDeferredValue(query)
  const traffic = useMemo(() => trafficByPeer(pipes), [pipes])
  const rows = useMemo(() => {
    const match = matcher(deferredQuery)
    const out: PeerRow[] = []
    for (const peer of peers.values()) {
      if (!match || match([peer.id, peer.address, peer.deviceName ?? '', ...peer.documents])) out.push({ peer, traffic: traffic.get(peer.id) ?? NO_TRAFFIC })
    }
    return out
  }, [peers, traffic, deferredQuery])

  const columns = useMemo<Column<PeerRow>[]>(
    () => [
      {
        id: 'id',
        header: 'Peer',
        width: 'minmax(10rem, 2fr)',
        compare: byId,
        cell: ({ peer }) => (
          <span className="id" title={peer.id}>
            {peer.id}
            {peer.collision && (
              <span className="badge warn" title={`Another device at ${peer.collision.otherAddress} uses this id; ${peer.collision.refused} refused`}>
                collision
              </span>
            )}
          </span>
        ),
      },
      {
        id: 'address',
        header: 'Device',
        width: 'minmax(8rem, 1fr)',
        optional: true,
        compare: byDevice,
        cell: ({ peer }) => <DeviceName device={{ address: peer.address, name: peer.deviceName }} />,
      },
      {
        id: 'since',
        header: 'Connected',
        width: '8.5rem',
        optional: true,
        align: 'end',
        compare: bySince,
        cell: ({ peer }) => <span title={formatDateTime(peer.connectedSince)}>{formatDuration(now - peer.connectedSince)}</span>,
      },
      {
        id: 'documents',
        header: 'Documents',
        width: '9rem',
        optional: true,
        align: 'end',
        compare: byDocuments,
        cell: ({ peer }) => <span title={peer.documents.slice(0, 20).join('\n')}>{formatCount(peer.documents.length)}</span>,
      },
      {
        id: 'pipes',
        header: 'Pipes',
        width: '6rem',
        optional: true,
        align: 'end',
        compare: byPipes,
        cell: ({ traffic }) => formatCount(traffic.livePipes + traffic.waitingPipes),
      },
      TRAFFIC_COLUMN,
      {
        id: 'actions',
        header: 'Actions',
        width: '8.5rem',
        optional: true,
        cell: ({ peer }) => (
          <button type="button" className="row-action" onClick={() => onDisconnect(peer)} aria-label={`Disconnect peer ${peer.id}`}>
            Disconnect
          </button>
        ),
      },
    ],
    [now, onDisconnect],
  )

  return (
    <ListView
      label="Peers"
      filters={<SearchBox label="Filter peers" value={query} onChange={setQuery} placeholder="id, device or document" />}
      summary={shownOf(rows.length, peers.size, 'peer')}
    >
      <VirtualTable
        label="Peers"
        rows={rows}
        columns={columns}
        rowKey={row => row.peer.id}
        initialSort={{ column: 'since', direction: 'descending' }}
        empty={peers.size === 0 ? 'No peers are connected.' : 'No peer matches the filter.'}
      />
    </ListView>
  )
}
