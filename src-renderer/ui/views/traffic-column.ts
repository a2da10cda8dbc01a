import type { Traffic } from '../../model/traffic.js'
import type { Column } from '../components/VirtualTable.js'
import { formatBytes, formatRate } from '../format.js'

/** The Traffic column of every list whose rows carry their pipes' traffic (peers, documents). */
export const TRAFFIC_COLUMN: Column<{ traffic: Traffic }> = {
  id: 'traffic',
  header: 'Traffic',
  width: '11rem',
  align: 'end',
  // Busiest now first, then most carried so far.
  compare: (a, b) => a.traffic.bytesPerSecond - b.traffic.bytesPerSecond || a.traffic.bytes - b.traffic.bytes,
  cell: ({ traffic }) => `${formatBytes(traffic.bytes)} · ${formatRate(traffic.bytesPerSecond)}`,
}
