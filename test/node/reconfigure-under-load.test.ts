/**
 * RelayNode under load on loopback: 100 peers and 50 live pipes carrying numbered traffic while
 * every live setting is applied in turn. Nobody is disconnected, no message is lost, and each new
 * value is in effect; only a new port restarts the relay, and says so.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { DASHBOARD_PREFIX } from '../../shared/monitoring.js'
import type { RelayNodeOptions } from '../../shared/relay-node-options.js'
import type { DashboardFile } from '../../src-main/monitoring/dashboard-files.js'
import { ListenFailure } from '../../src-main/node/listen-failure.js'
import { RelayNode } from '../../src-main/node/relay-node.js'
import { LIVE_CHANGES } from '../helpers/live-settings.js'
import { nodeOptions } from '../helpers/node.js'
import { closeServer, fetchHealth, freePort, listenOn } from '../helpers/processes.js'
import { SequencedLoad } from '../helpers/sequenced-load.js'

const files = new Map<string, DashboardFile>([
  ['/', { body: Buffer.from('<div id="root"></div>'), contentType: 'text/html; charset=utf-8', immutable: false }],
  [`${DASHBOARD_PREFIX}app.js`, { body: Buffer.from(''), contentType: 'text/javascript; charset=utf-8', immutable: true }],
])

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startNode(options: RelayNodeOptions): Promise<RelayNode> {
  const instanceIdFile = path.join(mkdtempSync(path.join(tmpdir(), 'switchboard-node-')), 'instance-id')
  const node = new RelayNode(options, { dashboardFiles: files, discovery: { instanceIdFile } })
  cleanups.push(() => node.stop())
  await node.start()
  return node
}

async function startLoad(url: string): Promise<SequencedLoad> {
  const load = await SequencedLoad.start(url, { peers: 100, pipes: 50 })
  cleanups.push(() => load.close())
  await load.flowing(1_000)
  return load
}

describe('RelayNode: settings applied live under load', () => {
  test('each live setting in turn: zero sockets closed, zero messages lost, every new value in effect', async () => {
    let options = nodeOptions()
    const node = await startNode(options)
    const relay = node.relay!
    const { url, port } = node.listening!
    const load = await startLoad(url)
    expect(relay.snapshot().counts).toMatchObject({ peers: 100, pipesLive: 50, sockets: 200 })

    for (const { what, change, check } of LIVE_CHANGES) {
      options = { ...options, ...change }
      expect(await node.reconfigure(options), what).toEqual({ restarted: [] })
      await check({ url, port, snapshot: async () => relay.snapshot() })
      // Traffic keeps flowing after the change, not only through it.
      await load.flowing(500)
      expect(load.report().closes, what).toEqual([])
    }
    // Interfaces cannot be seen on loopback (see test/node/discovery-under-load.test.ts); they still apply without a restart.
    expect(await node.reconfigure({ ...options, interfaces: ['eth9'] })).toEqual({ restarted: [] })

    const report = await load.drain()
    console.log(`MEASURED: ${report.received} numbered messages through ${LIVE_CHANGES.length + 1} live changes`)
    expect(report).toMatchObject({ closes: [], disorders: [] })
    expect(report.received).toBe(report.sent)
    expect(node.relay).toBe(relay)
    expect(relay.snapshot().counts).toMatchObject({ peers: 100, pipesLive: 50, sockets: 200 })
  }, 60_000)

  test('a refused change (limits at odds with each other) changes nothing', async () => {
    const node = await startNode(nodeOptions({ limits: { maxPeers: 50 } }))
    await expect(node.reconfigure(nodeOptions({ limits: { maxPeers: 10, holdPauseBytes: 10, maxHeldBytes: 5 }, adminToken: 'a new admin token' }))).rejects.toThrow(/holdPauseBytes/)
    expect(node.options.limits).toEqual({ maxPeers: 50 })
    expect(node.relay!.snapshot().limits.maxPeers).toBe(50)
    await expect(node.reconfigure(nodeOptions({ accessToken: 'same-token-twice', adminToken: 'same-token-twice' }))).rejects.toThrow(/must differ/)
    expect(node.relay!.snapshot().access.tokenRequired).toBe(false)
  })

  test('a new port restarts the relay on it, and says so; a busy one is a ListenFailure coded port-in-use', async () => {
    const node = await startNode(nodeOptions())
    const first = node.relay!
    const load = await SequencedLoad.start(node.listening!.url, { peers: 10, pipes: 5 })
    cleanups.push(() => load.close())
    const newPort = await freePort()
    expect(await node.reconfigure(nodeOptions({ port: newPort }))).toEqual({ restarted: ['port'] })
    expect(node.relay).not.toBe(first)
    expect((await fetchHealth(newPort)).status).toBe('ok')
    // The restart is what drops everyone: every socket of the old relay got the shutdown close.
    expect(load.report().closes).toHaveLength(20)
    expect(new Set(load.report().closes.map(close => close.split(': ')[1]))).toEqual(new Set(['1001 relay shutting down']))

    const busy = await listenOn(0)
    const busyPort = (busy.address() as { port: number }).port
    cleanups.push(() => closeServer(busy))
    const failure = await node.reconfigure(nodeOptions({ port: busyPort })).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ListenFailure)
    expect(failure).toMatchObject({ code: 'port-in-use', port: busyPort })
  })
})
