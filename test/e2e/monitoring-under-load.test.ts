/**
 * A dashboard subscribed to the real headless relay while its pipes are saturated: it gets the
 * whole model, then live updates, and the pipes keep carrying traffic meanwhile. What an open
 * dashboard costs the relay is measured by `npm run bench` (its "Monitoring overhead" rows).
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { MONITOR_PATH, type MonitorServerMessage } from '../../shared/monitoring.js'
import { killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { Crowd } from './crowd.js'
import { PipeLoad } from './pipe-load.js'

/** Beside the saturated pipes, so the dashboard's model has some size. */
const BACKGROUND = { peers: 1_000, documents: 100, pipes: 200 }
const LOAD = { pairs: 20, size: 1_024, window: 32 }
const UPDATES = 3

let relay: CliRelay

beforeAll(async () => {
  relay = await startCliRelay(['--no-advertise', '--quiet'])
}, 60_000)

afterAll(async () => {
  await killLeftoverCliProcesses()
})

it('a dashboard subscribed during saturated pipe traffic gets the whole model, then live updates, while the pipes keep flowing', async () => {
  const background = await Crowd.gather(relay.url, BACKGROUND)
  const load = await PipeLoad.start(relay.url, LOAD)
  const dashboard = new WebSocket(relay.url + MONITOR_PATH, { perMessageDeflate: false })
  try {
    background.startActivity({ pipes: 50, bytes: 256, peersPerSecond: 0 })
    const deliveredBefore = load.delivered
    const messages = await new Promise<MonitorServerMessage[]>((resolve, reject) => {
      const received: MonitorServerMessage[] = []
      dashboard.on('message', data => {
        received.push(JSON.parse(String(data)) as MonitorServerMessage)
        if (received.length === 1 + UPDATES) resolve(received)
      })
      dashboard.once('error', reject)
    })
    const [first, ...rest] = messages
    expect(first!.type).toBe('snapshot')
    if (first!.type !== 'snapshot') return
    expect(first!.snapshot.peers.length).toBeGreaterThanOrEqual(BACKGROUND.peers)
    expect(rest.map(message => message.type)).toEqual(Array(UPDATES).fill('update'))
    expect(load.delivered).toBeGreaterThan(deliveredBefore)
  } finally {
    dashboard.terminate()
    load.stop()
    background.close()
  }
}, 90_000)
