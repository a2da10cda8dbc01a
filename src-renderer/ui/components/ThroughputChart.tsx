import type { ThroughputSample } from '../../model/relay-state.js'
import { formatRate } from '../format.js'

const WIDTH = 600
const HEIGHT = 120
/** The chart always spans this much time, so the line scrolls left instead of stretching. */
const WINDOW_MS = 120_000

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value`, so the scale changes in readable steps. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1_000
  const magnitude = 10 ** Math.floor(Math.log10(value))
  return [1, 2, 5, 10].map(step => step * magnitude).find(step => step >= value)!
}

/** Relayed bytes per second over the last two minutes, drawn as an SVG line. */
export function ThroughputChart({ samples, now }: { samples: readonly ThroughputSample[]; now: number }) {
  const start = now - WINDOW_MS
  const visible = samples.filter(sample => sample.at >= start - 2_000)
  const peak = visible.reduce((max, sample) => Math.max(max, sample.bytesPerSecond), 0)
  const top = niceCeiling(peak)
  const x = (at: number) => ((at - start) / WINDOW_MS) * WIDTH
  const y = (value: number) => HEIGHT - (value / top) * HEIGHT
  const points = visible.map(sample => `${x(sample.at).toFixed(1)},${y(sample.bytesPerSecond).toFixed(1)}`)
  const line = points.length > 0 ? `M${points.join('L')}` : ''
  const area = points.length > 1 ? `${line}L${x(visible.at(-1)!.at).toFixed(1)},${HEIGHT}L${x(visible[0]!.at).toFixed(1)},${HEIGHT}Z` : ''
  const current = samples.at(-1)?.bytesPerSecond ?? 0
  return (
    <figure className="chart">
      <div className="chart-scale" aria-hidden="true">
        <span>{formatRate(top)}</span>
      </div>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Throughput over the last two minutes: now ${formatRate(current)}, peak ${formatRate(peak)}`}
      >
        <line className="chart-grid" x1={0} x2={WIDTH} y1={HEIGHT / 2} y2={HEIGHT / 2} vectorEffect="non-scaling-stroke" />
        <path className="chart-area" d={area} />
        <path className="chart-line" d={line} vectorEffect="non-scaling-stroke" />
      </svg>
      <div className="chart-scale" aria-hidden="true">
        <span>2 min ago</span>
        <span>now</span>
      </div>
    </figure>
  )
}
