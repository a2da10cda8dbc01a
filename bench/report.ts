/** Medians, the stdout table and the JSON record of one bench run. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { median } from './median.js'
import type { Measurement, MetricView, Unit } from './plan.js'
import { STARTUP_TARGET_MS, type StartupCommand } from './startup.js'
import type { ContenderName, Metrics } from './types.js'

export interface Variant {
  key: string
  contender: ContenderName
  monitoring: boolean
  /** Connects over wss:// to the same port (this project's relay only). */
  tls: boolean
}

export interface Outcome {
  metrics?: Metrics
  error?: string
}

export interface Report {
  plan: Measurement[]
  /** measurement id → variant key → one outcome per round */
  outcomes: Map<string, Map<string, Outcome[]>>
  contenders: ContenderName[]
  rounds: number
  quick: boolean
  wallSeconds: number
  pinning: { server: string; load: string } | undefined
  notes: string[]
  /** Milliseconds from spawn to the listening line, one per run; absent when not measured. */
  startup: Record<StartupCommand, number[]> | undefined
  /** The dashboard with 5,000 peers and 1,000 pipes (bench/dashboard-scale.ts); absent when not measured. */
  dashboardScale: Record<string, number> | undefined
}

function medians(outcomes: Outcome[] | undefined): Metrics | undefined {
  const ok = (outcomes ?? []).flatMap(o => (o.metrics ? [o.metrics] : []))
  if (ok.length === 0) return undefined
  const keys = new Set(ok.flatMap(m => Object.keys(m)))
  return Object.fromEntries([...keys].map(key => [key, median(ok.map(m => m[key] ?? NaN))]))
}

function format(value: number | undefined, unit: Unit): string {
  if (value === undefined || !Number.isFinite(value)) return '—'
  const abs = Math.abs(value)
  switch (unit) {
    case 'rate':
      return abs >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : abs >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value.toFixed(0)
    case 'us':
    case 'ms':
      return abs < 10 ? value.toFixed(2) : abs < 100 ? value.toFixed(1) : value.toFixed(0)
    case 'bytes':
      return abs >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value.toFixed(0)} B`
    case 'mib':
      return `${value.toFixed(1)} MiB`
    case 'ratio':
      return value.toFixed(2)
    case 'count':
      return value.toFixed(0)
  }
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? '—' : (a / b).toFixed(2)

function verdict(view: MetricView, ours: number | undefined, raw: number | undefined): string {
  if (ours === undefined || !Number.isFinite(ours)) return ''
  const checks: boolean[] = []
  const goals: string[] = []
  if (view.vsRaw && raw !== undefined && Number.isFinite(raw)) {
    checks.push(view.better === 'higher' ? ours >= raw : ours <= raw)
    goals.push(view.better === 'higher' ? '≥ raw' : '≤ raw')
  }
  if (view.max !== undefined) {
    checks.push(ours <= view.max)
    goals.push(`≤ ${format(view.max, view.unit)}`)
  }
  if (checks.length === 0) return ''
  return `${checks.every(Boolean) ? 'ok' : 'MISS'} ${goals.join(', ')}`
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length))
const padLeft = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text)

export function printReport(report: Report) {
  const has = (name: ContenderName) => report.contenders.includes(name)
  const columns = ['raw', 'published', 'switchboard', 'ours/raw', 'ours/pub']
  const lines: string[] = []
  lines.push(`Relay benchmark — medians of ${report.rounds} round(s)${report.quick ? ' (QUICK: reduced sizes)' : ''}; node ${process.version}, ${cpus().length} cores, ${report.pinning ? `server pinned to core ${report.pinning.server}, load generator to core ${report.pinning.load}` : 'no CPU pinning'}`)
  lines.push('')
  lines.push(pad('', 44) + columns.map(c => padLeft(c, 12)).join('') + '  target')

  for (const measurement of report.plan.filter(m => !m.monitoring && !m.tls)) {
    const byVariant = report.outcomes.get(measurement.id)
    if (!byVariant) continue
    lines.push(measurement.title + busyNote(byVariant) + failures(byVariant))
    const med = Object.fromEntries(report.contenders.map(name => [name, medians(byVariant.get(name))]))
    for (const view of measurement.show) {
      const value = (name: ContenderName) => (has(name) ? med[name]?.[view.key] : undefined)
      const [raw, published, ours] = [value('raw'), value('published'), value('switchboard')]
      const cells = [format(raw, view.unit), format(published, view.unit), format(ours, view.unit), ratio(ours, raw), ratio(ours, published)]
      lines.push(pad(`  ${view.label}`, 44) + cells.map(c => padLeft(c, 12)).join('') + '  ' + verdict(view, ours, raw))
    }
  }

  lines.push(
    ...pairedSection(report, report.plan.filter(m => m.monitoring), {
      heading: "Monitoring overhead (this project's relay)",
      variant: 'switchboard+monitor',
      columns: ['plain', 'monitored', 'overhead'],
      titleSuffix: ', monitored',
      compare: (view, plain, other) => {
        const change = view.better === 'higher' ? plain / other - 1 : other / plain - 1
        return { cell: `${(change * 100).toFixed(1)}%`, verdict: `  ${change <= 0.05 ? 'ok' : 'MISS'} ≤ 5%` }
      },
    }),
    ...pairedSection(report, report.plan.filter(m => m.tls), {
      heading: "TLS on the same port (this project's relay)",
      variant: 'switchboard+tls',
      columns: ['ws://', 'wss://', 'wss/ws'],
      titleSuffix: ', wss://',
      compare: (_view, plain, other) => ({ cell: `${(other / plain).toFixed(2)}×`, verdict: '' }),
    }),
  )

  if (report.startup) {
    const runs = Object.values(report.startup)[0]?.length ?? 0
    lines.push('')
    lines.push(pad(`Start-up: spawn to "listening" (median of ${runs})`, 44) + ['median', 'fastest', 'slowest'].map(c => padLeft(c, 12)).join('') + '  target')
    for (const [command, times] of Object.entries(report.startup) as [StartupCommand, number[]][]) {
      const target = STARTUP_TARGET_MS[command]
      const ms = median(times)
      const cells = [ms, Math.min(...times), Math.max(...times)].map(value => `${format(value, 'ms')} ms`)
      lines.push(pad(`  ${command}`, 44) + cells.map(c => padLeft(c, 12)).join('') + `  ${ms <= target ? 'ok' : 'MISS'} ≤ ${target} ms`)
    }
  }

  if (report.dashboardScale) {
    const d = report.dashboardScale
    const f = (key: string, digits = 0) => (d[key] ?? NaN).toFixed(digits)
    lines.push('')
    lines.push('Dashboard with 5,000 peers and 1,000 pipes (200 busy, 20 peers/s churn); relay and Chromium on this machine')
    lines.push(`  one monitoring publish (read, diff, serialise): ${f('publishMs', 1)} ms, ${f('updateKiB')} KiB per update, ${f('snapshotKiB')} KiB snapshot for a new dashboard`)
    lines.push(`  first full view ${f('firstViewMs')} ms; open Peers ${f('openPeersMs')} ms; sort 5,000 rows ${f('sortMs')} ms; filter ${f('filterMs')} ms; open Pipes ${f('openPipesMs')} ms`)
    lines.push(`  10 s live on Peers: ${f('liveLongTasks')} tasks over 50 ms, longest ${f('liveLongestTaskMs')} ms, ${f('liveFps')} fps, worst frame ${f('liveWorstFrameMs')} ms; scrolling ${f('scrollFps')} fps, worst frame ${f('scrollWorstFrameMs')} ms; 5 s live on Pipes: longest task ${f('pipesLongestTaskMs')} ms`)
  }

  lines.push('')
  for (const note of report.notes) lines.push(`Note: ${note}`)
  lines.push(`Wall time: ${report.wallSeconds.toFixed(0)} s`)
  console.log(lines.join('\n'))
}

/** Flags rows measured while other processes used a noticeable share of the machine. */
interface PairedSection {
  heading: string
  /** The variant compared with plain `switchboard`. */
  variant: string
  columns: [string, string, string]
  /** Cut from measurement titles under the heading. */
  titleSuffix: string
  compare: (view: MetricView, plain: number, other: number) => { cell: string; verdict: string }
}

/** This project's relay as it is and with one thing changed (a dashboard watching, wss://), side by side. */
function pairedSection(report: Report, measurements: Measurement[], section: PairedSection): string[] {
  const measured = measurements.filter(m => report.outcomes.has(m.id))
  if (measured.length === 0) return []
  const lines = ['', pad(section.heading, 44) + section.columns.map(c => padLeft(c, 12)).join('') + '  target']
  for (const measurement of measured) {
    const byVariant = report.outcomes.get(measurement.id)!
    const plain = medians(byVariant.get('switchboard'))
    const other = medians(byVariant.get(section.variant))
    lines.push(measurement.title.replace(section.titleSuffix, '') + busyNote(byVariant) + failures(byVariant))
    for (const view of measurement.show) {
      const [a, b] = [plain?.[view.key], other?.[view.key]]
      const compared = a !== undefined && b !== undefined && a > 0 && b > 0 ? section.compare(view, a, b) : { cell: '—', verdict: '' }
      lines.push(pad(`  ${view.label}`, 44) + [format(a, view.unit), format(b, view.unit), compared.cell].map(c => padLeft(c, 12)).join('') + compared.verdict)
    }
  }
  return lines
}

function busyNote(byVariant: Map<string, Outcome[]>): string {
  const others = [...byVariant.values()].flat().flatMap(o => (o.metrics?.otherCpuPct !== undefined ? [o.metrics.otherCpuPct] : []))
  const typical = median(others)
  return typical > 15 ? `   (other processes used ~${typical.toFixed(0)}% CPU meanwhile)` : ''
}

function failures(byVariant: Map<string, Outcome[]>): string {
  const failed = [...byVariant].flatMap(([key, list]) => list.filter(o => o.error).map(o => `${key}: ${o.error}`))
  return failed.length ? `   [${failed.length} failed run(s): ${[...new Set(failed)].join('; ')}]` : ''
}

export function writeReport(report: Report, directory: string): string {
  mkdirSync(directory, { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const file = join(directory, `${stamp}.json`)
  const measurements = report.plan
    .filter(m => report.outcomes.has(m.id))
    .map(m => {
      const byVariant = report.outcomes.get(m.id)!
      return {
        id: m.id,
        title: m.title,
        scenario: m.scenario,
        medians: Object.fromEntries([...byVariant].map(([key, list]) => [key, medians(list) ?? null])),
        rounds: Object.fromEntries(byVariant),
      }
    })
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().map(c => c.model),
    pinning: report.pinning ?? null,
    rounds: report.rounds,
    quick: report.quick,
    contenders: report.contenders,
    wallSeconds: report.wallSeconds,
    notes: report.notes,
    startupMs: report.startup ?? null,
    dashboardScale: report.dashboardScale ?? null,
    measurements,
  }
  writeFileSync(file, JSON.stringify(json, (_, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2) + '\n')
  return file
}
