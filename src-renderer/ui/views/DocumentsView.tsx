import { useDeferredValue, useMemo, useState } from 'react'
import type { DocumentView, PipeView } from '../../../shared/relay-model.js'
import { NO_TRAFFIC, trafficByDocument, type Traffic } from '../../model/traffic.js'
import { compareText } from '../compare-text.js'
import { ListView } from '../components/ListView.js'
import { SearchBox, matcher } from '../components/SearchBox.js'
import { VirtualTable, type Column } from '../components/VirtualTable.js'
import { formatCount, shownOf } from '../format.js'
import { TRAFFIC_COLUMN } from './traffic-column.js'

interface DocumentRow {
  document: DocumentView
  traffic: Traffic
}

interface DocumentsViewProps {
  documents: ReadonlyMap<string, DocumentView>
  pipes: ReadonlyMap<number, PipeView>
}

/** Peer ids shown inline; the rest are counted. */
const PEERS_SHOWN = 3

const byId = (a: DocumentRow, b: DocumentRow) => compareText(a.document.id, b.document.id)
const byPeers = (a: DocumentRow, b: DocumentRow) => a.document.peers.length - b.document.peers.length
const byLive = (a: DocumentRow, b: DocumentRow) => a.traffic.livePipes - b.traffic.livePipes
const byWaiting = (a: DocumentRow, b: DocumentRow) => a.traffic.waitingPipes - b.traffic.waitingPipes

const COLUMNS: Column<DocumentRow>[] = [
  {
    id: 'id',
    header: 'Document',
    width: 'minmax(10rem, 2fr)',
    compare: byId,
    cell: ({ document }) => (
      <span className="id" title={document.id}>
        {document.id}
      </span>
    ),
  },
  {
    id: 'peers',
    header: 'Peers',
    width: 'minmax(12rem, 2fr)',
    optional: true,
    compare: byPeers,
    cell: ({ document }) => {
      const shown = document.peers.slice(0, PEERS_SHOWN).join(', ')
      const more = document.peers.length - PEERS_SHOWN
      return (
        <span className="id" title={document.peers.slice(0, 50).join('\n')}>
          <span className="count">{formatCount(document.peers.length)}</span> {shown}
          {more > 0 && ` +${formatCount(more)}`}
        </span>
      )
    },
  },
  { id: 'live', header: 'Live pipes', width: '8.5rem', optional: true, align: 'end', compare: byLive, cell: ({ traffic }) => formatCount(traffic.livePipes) },
  { id: 'waiting', header: 'Waiting', width: '7rem', optional: true, align: 'end', compare: byWaiting, cell: ({ traffic }) => formatCount(traffic.waitingPipes) },
  TRAFFIC_COLUMN,
]

export function DocumentsView({ documents, pipes }: DocumentsViewProps) {
  const [query, setQuery] = useState('')
  const deferredQuery = useDeferredValue(query)
  const traffic = useMemo(() => trafficByDocument(pipes), [pipes])
  const rows = useMemo(() => {
    const match = matcher(deferredQuery)
    const out: DocumentRow[] = []
    for (const document of documents.values()) {
      if (!match || match([document.id, ...document.peers])) out.push({ document, traffic: traffic.get(document.id) ?? NO_TRAFFIC })
    }
    return out
  }, [documents, traffic, deferredQuery])

  return (
    <ListView
      label="Documents"
      filters={<SearchBox label="Filter documents" value={query} onChange={setQuery} placeholder="document or peer id" />}
      summary={shownOf(rows.length, documents.size, 'document')}
    >
      <VirtualTable
        label="Documents"
        rows={rows}
        columns={COLUMNS}
        rowKey={row => row.document.id}
        initialSort={{ column: 'peers', direction: 'descending' }}
        empty={documents.size === 0 ? 'No peer has joined a document.' : 'No document matches the filter.'}
      />
    </ListView>
  )
}
