/**
 * What an open dashboard costs relay throughput, on the real headless relay: saturated pipes, with
 * and without a subscribed dashboard, in alternating windows. The subscriber is a plain WebSocket
 * that only counts what it gets: the relay does the same work for it as for a browser, and neither
 * a browser nor the dashboard's processing takes CPU from the load generator on this two-core
 * machine. (The relay's work for one publish with 5,000 peers is timed in dashboard-scale.test.ts.)
 * Prints MEASURED; asserts nothing about time.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { MONITOR_PATH } from '../../shared/monitoring.js'
import { killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { Crowd } from './crowd.js'
import { PipeLoad } from './pipe-load.js'

const WINDOWS_EACH = 5
const WINDOW_MS = 1_500
/** Beside the saturated pipes, so the dashboard's updates have a model of some size to cover. */
const BACKGROUND = { peers: 1_000, documents: 100, pipes: 200 }
const LOAD = { pairs: 20, size: 1_024, window: 32 }

let relay: CliRelay

/** Relay on core 0, load generator (this process) on core 1, so they do not take turns on one. */
function pin(pid: number, cpu: string): void {
  try {
    execFileSync('taskset', ['-a', '-c', '-p', cpu, String(pid)], { stdio: 'ignore' })
  } catch {
    // No taskset: the figures are noisier, not wrong.
  }
}

beforeAll(async () => {
  relay = await startCliRelay(['--no-advertise', '--quiet'])
  pin(relay.pid, '0')
  pin(process.pid, '1')
}, 60_000)

afterAll(async () => {
  pin(process.pid, '0-1')
  await killLeftoverCliProcesses()
})

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const percent = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`

/** A subscribed dashboard that only counts the messages it gets; the window starts past its snapshot. */
async function subscribe(): Promise<{ received: () => number; close(): void }> {
  const socket = new WebSocket(relay.url + MONITOR_PATH, { perMessageDeflate: false })
  let received = 0
  socket.on('message', () => received++)
  await sleep(700)
  expect(received).toBeGreaterThan(0)
  return { received: () => received, close: () => socket.close() }
}

interface Window {
  messagesPerSecond: number
  /** The relay process's CPU time (user + system) per relayed message: less swayed by other processes. */
  cpuUsPerMessage: number
}

/** CPU time a process has used so far, in milliseconds (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * Runs `measure` in windows without, with, without, ... a subscriber, ending without. Each watched
 * window is compared with the mean of its two neighbours, so a machine whose load drifts (other
 * processes) skews the comparison less than it skews the figures themselves.
 */
async function alternate(measure: () => Promise<Window>) {
  const without = [await measure()]
  const watched: Window[] = []
  let updates = 0
  for (let i = 0; i < WINDOWS_EACH; i++) {
    const dashboard = await subscribe()
    const before = dashboard.received()
    watched.push(await measure())
    updates += dashboard.received() - before
    dashboard.close()
    await sleep(100)
    without.push(await measure())
  }
  const paired = (metric: keyof Window) => median(watched.map((w, i) => w[metric] / ((without[i]![metric] + without[i + 1]![metric]) / 2)))
  const medianOf = (windows: Window[], metric: keyof Window) => median(windows.map(w => w[metric]))
  return { without, watched, paired, medianOf, updatesPerSecond: updates / WINDOWS_EACH / (WINDOW_MS / 1000) }
}

it('measures relay throughput with and without a subscribed dashboard', async () => {
  const background = await Crowd.gather(relay.url, BACKGROUND)
  const load = await PipeLoad.start(relay.url, LOAD)
  try {
    background.startActivity({ pipes: 50, bytes: 256, peersPerSecond: 0 })
    await sleep(1_000)
    const measure = async (): Promise<Window> => {
      const [messages, cpu, at] = [load.delivered, cpuMs(relay.pid), Date.now()]
      await sleep(WINDOW_MS)
      const delivered = load.delivered - messages
      return { messagesPerSecond: (delivered * 1000) / (Date.now() - at), cpuUsPerMessage: ((cpuMs(relay.pid) - cpu) * 1000) / delivered }
    }
    const r = await alternate(measure)
    console.log(
      `MEASURED: monitoring overhead on the relay: ${LOAD.pairs} saturated pipes of ${LOAD.size} B messages beside ${BACKGROUND.peers} peers and ${BACKGROUND.pipes} pipes; ` +
        `throughput median ${Math.round(r.medianOf(r.without, 'messagesPerSecond'))} msg/s without a dashboard, ${Math.round(r.medianOf(r.watched, 'messagesPerSecond'))} with one subscribed, ` +
        `watched windows vs their unwatched neighbours ${percent(1, r.paired('messagesPerSecond'))}; ` +
        `relay CPU per relayed message ${r.medianOf(r.without, 'cpuUsPerMessage').toFixed(2)} µs vs ${r.medianOf(r.watched, 'cpuUsPerMessage').toFixed(2)} µs, paired ${percent(1, r.paired('cpuUsPerMessage'))} ` +
        `(${WINDOWS_EACH} watched and ${WINDOWS_EACH + 1} unwatched ${WINDOW_MS / 1000} s windows, the dashboard getting ${r.updatesPerSecond.toFixed(1)} updates/s; ` +
        // Other processes skew the figures far more than monitoring does; say how busy the machine was.
        `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`,
    )
  } finally {
    load.stop()
    background.close()
  }
}, 90_000)
