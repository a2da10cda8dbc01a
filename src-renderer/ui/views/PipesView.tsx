import { useDeferredValue, useMemo, useState } from 'react'
import type { PeerView, PipeState, PipeView } from '../../../shared/relay-model.js'
import { ChoiceGroup } from '../components/ChoiceGroup.js'
import { compareText } from '../compare-text.js'
import { ListView } from '../components/ListView.js'
import { SearchBox, matcher } from '../components/SearchBox.js'
import { VirtualTable, type Column } from '../components/VirtualTable.js'
import { formatBytes, formatCount, formatDateTime, formatDuration, formatRate, shownOf } from '../format.js'
import { PeerOnDevice } from './device-label.js'

interface PipesViewProps {
  pipes: ReadonlyMap<number, PipeView>
  /** For the names of the devices the pipes' peers connect from. */
  peers: ReadonlyMap<string, PeerView>
  now: number
  onClose(pipe: PipeView): void
}

type StateFilter = 'all' | PipeState

const STATE_FILTERS = [
  { value: 'all', label: 'All' },
  { value: 'live', label: 'Live' },
  { value: 'waiting', label: 'Waiting' },
] as const

const byDocument = (a: PipeView, b: PipeView) => compareText(a.documentId, b.documentId)
const byFirst = (a: PipeView, b: PipeView) => compareText(a.peers[0], b.peers[0])
const bySecond = (a: PipeView, b: PipeView) => compareText(a.peers[1], b.peers[1])
const byState = (a: PipeView, b: PipeView) => compareText(a.state, b.state)
const byForward = (a: PipeView, b: PipeView) => a.bytes[0] - b.bytes[0]
const byBackward = (a: PipeView, b: PipeView) => a.bytes[1] - b.bytes[1]
const byRate = (a: PipeView, b: PipeView) => a.bytesPerSecond[0] + a.bytesPerSecond[1] - (b.bytesPerSecond[0] + b.bytesPerSecond[1])
const byAge = (a: PipeView, b: PipeView) => b.openedAt - a.openedAt

/** One direction of a pipe: bytes and messages. */
const direction = (pipe: PipeView, side: 0 | 1) => `${formatBytes(pipe.bytes[side])} · ${formatCount(pipe.messages[side])} msg`

export function PipesView({ pipes, peers, now, onClose }: PipesViewProps) {
  const [query, setQuery] = useState('')
  const [state, setState] = useState<StateFilter>('all')
  const deferredQuery = useDeferredValue(query)
  const rows = useMemo(() => {
    const match = matcher(deferredQuery)
    const out: PipeView[] = []
    for (const pipe of pipes.values()) {
      if ((state === 'all' || pipe.state === state) && (!match || match([pipe.documentId, ...pipe.peers]))) out.push(pipe)
    }
    return out
  }, [pipes, state, deferredQuery])

  const columns = useMemo<Column<PipeView>[]>(
    () => [
      { id: 'document', header: 'Document', width: 'minmax(8rem, 1.5fr)', compare: byDocument, cell: pipe => <span className="id" title={pipe.documentId}>{pipe.documentId}</span> },
      { id: 'a', header: 'Peer A', width: 'minmax(7rem, 1fr)', compare: byFirst, cell: pipe => <PeerOnDevice id={pipe.peers[0]} deviceName={peers.get(pipe.peers[0])?.deviceName} /> },
      { id: 'b', header: 'Peer B', width: 'minmax(7rem, 1fr)', compare: bySecond, cell: pipe => <PeerOnDevice id={pipe.peers[1]} deviceName={peers.get(pipe.peers[1])?.deviceName} /> },
      {
        id: 'state',
        header: 'State',
        width: '7.5rem',
        optional: true,
        compare: byState,
        cell: pipe => (
          <span className={`badge ${pipe.state}`} title={pipe.heldBytes > 0 ? `${formatBytes(pipe.heldBytes)} held for the partner` : undefined}>
            {pipe.state}
            {(pipe.throttled[0] || pipe.throttled[1]) && ' · slowed'}
          </span>
        ),
      },
      { id: 'forward', header: 'A → B', width: '10rem', optional: true, align: 'end', compare: byForward, cell: pipe => direction(pipe, 0) },
      { id: 'backward', header: 'B → A', width: '10rem', optional: true, align: 'end', compare: byBackward, cell: pipe => direction(pipe, 1) },
      {
        id: 'rate',
        header: 'Rate (A→B / B→A)',
        width: '11rem',
        optional: true,
        align: 'end',
        compare: byRate,
        cell: pipe => `${formatRate(pipe.bytesPerSecond[0])} / ${formatRate(pipe.bytesPerSecond[1])}`,
      },
      {
        id: 'age',
        header: 'Age',
        width: '6rem',
        optional: true,
        align: 'end',
        compare: byAge,
        cell: pipe => <span title={`Opened ${formatDateTime(pipe.openedAt)}`}>{formatDuration(now - pipe.openedAt)}</span>,
      },
      {
        id: 'actions',
        header: 'Actions',
        width: '5.5rem',
        optional: true,
        cell: pipe => (
          <button type="button" className="row-action" onClick={() => onClose(pipe)} aria-label={`Close pipe ${pipe.id} between ${pipe.peers[0]} and ${pipe.peers[1]}`}>
            Close
          </button>
        ),
      },
    ],
    [now, onClose, peers],
  )

  return (
    <ListView
      label="Pipes"
      filters={
        <>
          <SearchBox label="Filter pipes" value={query} onChange={setQuery} placeholder="peer or document id" />
          <ChoiceGroup<StateFilter> label="State" options={STATE_FILTERS} value={state} onChange={setState} />
        </>
      }
      summary={shownOf(rows.length, pipes.size, 'pipe')}
    >
      <VirtualTable
        label="Pipes"
        rows={rows}
        columns={columns}
        rowKey={pipe => pipe.id}
        initialSort={{ column: 'age', direction: 'ascending' }}
        empty={pipes.size === 0 ? 'No pipes are open.' : 'No pipe matches the filter.'}
      />
    </ListView>
  )
}
