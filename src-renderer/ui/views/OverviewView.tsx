import { CLOSE, type CloseKind } from '../../../shared/close-codes.js'
import type { AccessView, AddressView } from '../../../shared/relay-model.js'
import type { RelayState } from '../../model/relay-state.js'
import { ThroughputChart } from '../components/ThroughputChart.js'
import { AdvertisingCard } from './AdvertisingCard.js'
import { ConnectCard } from './ConnectCard.js'
import { formatBytes, formatCount, formatDateTime, formatDuration, formatRate } from '../format.js'

interface OverviewProps {
  state: RelayState
  now: number
}

export function OverviewView({ state, now }: OverviewProps) {
  const { stats, model } = state
  if (!stats || !model) return <p className="placeholder">Waiting for the relay…</p>
  return (
    <div className="overview">
      <section className="card" aria-labelledby="relay-heading">
        <h2 id="relay-heading">Relay</h2>
        <dl className="facts">
          <dt>State</dt>
          <dd>{stats.listening ? 'Running' : 'Not listening'}</dd>
          <dt>Uptime</dt>
          <dd>{formatDuration(now - model.startedAt)}</dd>
          <dt>Started</dt>
          <dd>{formatDateTime(model.startedAt)}</dd>
          <dt>Version</dt>
          <dd>{model.version}</dd>
        </dl>
      </section>
      <ConnectCard urls={stats.urls} notOffered={model.notOffered} tls={model.tls} />
      <section className="card" aria-labelledby="activity-heading">
        <h2 id="activity-heading">Activity</h2>
        <div className="tiles">
          <Tile label="Peers" value={stats.counts.peers} />
          <Tile label="Documents" value={stats.counts.documents} />
          <Tile label="Live pipes" value={stats.counts.pipesLive} />
          <Tile label="Waiting pipes" value={stats.counts.pipesWaiting} />
          <Tile label="Sockets" value={stats.counts.sockets} />
          <Tile label="Refusals" value={stats.totals.refusals} />
        </div>
      </section>
      <section className="card wide" aria-labelledby="throughput-heading">
        <h2 id="throughput-heading">Throughput</h2>
        <dl className="facts inline">
          <dt>Now</dt>
          <dd>
            {formatRate(stats.rates.bytesPerSecond)} · {formatCount(stats.rates.messagesPerSecond)} msg/s
          </dd>
          <dt>Total</dt>
          <dd>
            {formatBytes(stats.totals.bytesRelayed)} · {formatCount(stats.totals.messagesRelayed)} messages
          </dd>
        </dl>
        <ThroughputChart samples={state.throughput} now={now} />
      </section>
      <AdvertisingCard advertising={model.advertising} />
      <AccessCard access={model.access} addresses={model.addresses} />
      {stats.totals.refusals > 0 && <RefusalsCard byKind={stats.totals.refusalsByKind} />}
    </div>
  )
}

function Tile({ label, value }: { label: string; value: number }) {
  return (
    <div className="tile">
      <span className="tile-value">{formatCount(value)}</span>
      <span className="tile-label">{label}</span>
    </div>
  )
}

function RefusalsCard({ byKind }: { byKind: Partial<Record<CloseKind, number>> }) {
  const kinds = (Object.entries(byKind) as [CloseKind, number][]).sort((a, b) => b[1] - a[1])
  return (
    <section className="card" aria-labelledby="refusals-heading">
      <h2 id="refusals-heading">Refusals</h2>
      <ul className="plain-list">
        {kinds.map(([kind, count]) => (
          <li key={kind}>
            <span className="count">{formatCount(count)}</span> {CLOSE[kind].code} {CLOSE[kind].label}
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Addresses refused shown at most; the relay keeps more, most recently refused first. */
const REFUSED_ADDRESSES_SHOWN = 8

/** Who may use the relay, and which hosts hit a limit or were turned away (per-address limits, access). */
function AccessCard({ access, addresses }: { access: AccessView; addresses: AddressView[] }) {
  const refused = addresses.filter(entry => entry.refusals > 0).slice(0, REFUSED_ADDRESSES_SHOWN)
  return (
    <section className="card" aria-labelledby="access-heading">
      <h2 id="access-heading">Access</h2>
      <dl className="facts">
        <dt>Apps need</dt>
        <dd>{access.tokenRequired ? 'the access token (relay URL ending in /<token>)' : 'no token'}</dd>
        <dt>Accepted from</dt>
        <dd>{access.allowPublic ? 'any address' : 'this network only (loopback, private, link-local)'}</dd>
      </dl>
      {refused.length > 0 && (
        <>
          <h3>Refused addresses</h3>
          <ul className="plain-list">
            {refused.map(entry => (
              <li key={entry.address}>
                <code>{entry.address}</code> {formatCount(entry.refusals)} refused
                {entry.lastRefusal && `, last: ${CLOSE[entry.lastRefusal.kind].code} ${CLOSE[entry.lastRefusal.kind].label}`}
                {` · ${formatCount(entry.connections)} open`}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
