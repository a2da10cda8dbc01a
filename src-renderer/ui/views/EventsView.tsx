import { useDeferredValue, useMemo, useState } from 'react'
import type { RelayEvent, RelayEventKind } from '../../../shared/relay-model.js'
import { ChoiceGroup } from '../components/ChoiceGroup.js'
import { ListView } from '../components/ListView.js'
import { SearchBox, matcher } from '../components/SearchBox.js'
import { VirtualTable, type Column } from '../components/VirtualTable.js'
import { formatClock, formatCount, formatDateTime } from '../format.js'
import { PeerOnDevice } from './device-label.js'

type Category = 'all' | 'peers' | 'introductions' | 'pipes' | 'refusals'

const CATEGORIES = [
  { value: 'all', label: 'All' },
  { value: 'peers', label: 'Peers' },
  { value: 'introductions', label: 'Introductions' },
  { value: 'pipes', label: 'Pipes' },
  { value: 'refusals', label: 'Refusals' },
] as const

const CATEGORY_OF: Record<RelayEventKind, Exclude<Category, 'all'>> = {
  'peer-connect': 'peers',
  'peer-disconnect': 'peers',
  join: 'peers',
  leave: 'peers',
  collision: 'refusals',
  introduction: 'introductions',
  'pipe-waiting': 'pipes',
  'pipe-open': 'pipes',
  'pipe-close': 'pipes',
  refusal: 'refusals',
  ignored: 'refusals',
  'device-name-ignored': 'refusals',
}

const LABEL: Record<RelayEventKind, string> = {
  'peer-connect': 'peer connected',
  'peer-disconnect': 'peer left',
  join: 'joined',
  leave: 'left documents',
  collision: 'id collision',
  introduction: 'introduced',
  'pipe-waiting': 'pipe waiting',
  'pipe-open': 'pipe open',
  'pipe-close': 'pipe closed',
  refusal: 'refused',
  ignored: 'ignored',
  'device-name-ignored': 'device name ignored',
}

const bySeq = (a: RelayEvent, b: RelayEvent) => a.seq - b.seq

const COLUMNS: Column<RelayEvent>[] = [
  { id: 'time', header: 'Time', width: '6rem', compare: bySeq, cell: event => <span title={formatDateTime(event.at)}>{formatClock(event.at)}</span> },
  {
    id: 'kind',
    header: 'Event',
    width: '9rem',
    cell: event => <span className={`badge ${CATEGORY_OF[event.kind]}`}>{LABEL[event.kind]}</span>,
  },
  { id: 'peer', header: 'Peer', width: 'minmax(7rem, 1fr)', cell: event => (event.peerId ? <PeerOnDevice id={event.peerId} deviceName={event.deviceName} /> : '') },
  { id: 'other', header: 'Other peer', width: 'minmax(7rem, 1fr)', optional: true, cell: event => <span className="id">{event.otherPeerId ?? ''}</span> },
  {
    id: 'documents',
    header: 'Documents',
    width: 'minmax(7rem, 1fr)',
    optional: true,
    cell: event => <span className="id" title={event.documentIds?.slice(0, 20).join('\n')}>{event.documentIds?.join(', ') ?? ''}</span>,
  },
  { id: 'code', header: 'Code', width: '5.5rem', optional: true, align: 'end', cell: event => closeCode(event) },
  {
    id: 'detail',
    header: 'Detail',
    width: 'minmax(12rem, 2.5fr)',
    optional: true,
    cell: event => (
      <span className="id" title={event.reason}>
        {[event.reason, event.address && `from ${event.deviceName ? `${event.deviceName} (${event.address})` : event.address}`].filter(Boolean).join(' · ')}
      </span>
    ),
  },
]

/** A refused upgrade shows its HTTP status beside the close code it stands for. */
function closeCode(event: RelayEvent): string {
  if (event.code === undefined) return ''
  return event.status ? `${event.status} (${event.code})` : String(event.code)
}

export function EventsView({ events, missed }: { events: readonly RelayEvent[]; missed: number }) {
  const [query, setQuery] = useState('')
  const [category, setCategory] = useState<Category>('all')
  const deferredQuery = useDeferredValue(query)
  const rows = useMemo(() => {
    const match = matcher(deferredQuery)
    return events.filter(
      event =>
        (category === 'all' || CATEGORY_OF[event.kind] === category) &&
        (!match || match([event.peerId ?? '', event.deviceName ?? '', event.otherPeerId ?? '', event.reason ?? '', event.address ?? '', ...(event.documentIds ?? [])])),
    )
  }, [events, category, deferredQuery])
  return (
    <ListView
      label="Event log"
      filters={
        <>
          <SearchBox label="Filter events" value={query} onChange={setQuery} placeholder="peer, document or reason" />
          <ChoiceGroup<Category> label="Show" options={CATEGORIES} value={category} onChange={setCategory} />
        </>
      }
      summary={
        <>
          {formatCount(rows.length)} of the latest {formatCount(events.length)}
          {missed > 0 && ` · ${formatCount(missed)} not received`}
        </>
      }
    >
      <VirtualTable label="Event log" rows={rows} columns={COLUMNS} rowKey={event => event.seq} initialSort={{ column: 'time', direction: 'descending' }} empty="No events." />
    </ListView>
  )
}
