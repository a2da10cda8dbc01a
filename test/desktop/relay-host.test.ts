/**
 * The app's relay in the relay host process: RelayLifecycle driving the bundled host
 * (dist/desktop/relay-host.mjs) forked as a Node child, the stand-in for Electron's utilityProcess.
 * Real sockets on loopback and the published Client; the host is a real, separate process.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { RelayStatus } from '../../shared/ipc-schema.js'
import type { MonitorServerMessage } from '../../shared/monitoring.js'
import { RELAY_HOST_BUNDLE } from '../../src-main/desktop/app-paths.js'
import { forkHost } from '../../src-main/desktop/relay-host/fork-host.js'
import type { HostProcess } from '../../src-main/desktop/relay-host/hosted-node.js'
import { HOST_RESTARTS, RelayLifecycle } from '../../src-main/desktop/relay/relay-lifecycle.js'
import type { MonitorSink } from '../../src-main/monitoring/monitor-publisher.js'
import { TrackedClient } from '../helpers/clients.js'
import { REPO_ROOT } from './fake-electron.js'
import { nodeOptions } from '../helpers/node.js'
import { fetchHealth, freePort } from '../helpers/processes.js'
import { eventually } from '../helpers/relay.js'

const lifecycles: RelayLifecycle[] = []
const clients: TrackedClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.client.disconnectServer()
  await Promise.all(lifecycles.splice(0).map(lifecycle => lifecycle.quit()))
})

/** A lifecycle on a forked host, with every host it spawned and every status it reported. */
function hosted(port: number, overrides: Parameters<typeof nodeOptions>[0] = {}) {
  const home = mkdtempSync(path.join(tmpdir(), 'switchboard-relay-host-'))
  const hosts: { process: HostProcess; exited: boolean }[] = []
  const spawn = forkHost(path.join(REPO_ROOT, RELAY_HOST_BUNDLE))
  const lifecycle = new RelayLifecycle(nodeOptions({ port, advertise: false, tls: false, ...overrides }), {
    host: {
      spawn: () => {
        const record = { process: spawn(), exited: false }
        record.process.on('exit', () => (record.exited = true))
        hosts.push(record)
        return record.process
      },
      setup: { frontEnd: 'app', stateDir: home, caDirectory: path.join(home, 'ca') },
    },
  })
  lifecycles.push(lifecycle)
  const statuses: RelayStatus[] = []
  const logLines: string[] = []
  lifecycle.on('status', status => statuses.push(status))
  lifecycle.on('relay-log', (_kind, text) => logLines.push(text))
  return { lifecycle, hosts, statuses, logLines }
}

function client(url: string, peerId: string): TrackedClient {
  const tracked = new TrackedClient({ url, peerId, documentIds: ['doc'] })
  clients.push(tracked)
  return tracked
}

const running = (status: RelayStatus) => status.phase === 'running'

describe('relay lifecycle with the relay host process', () => {
  test('start: the host listens, two published Clients pipe through it, and the tray status names them', async () => {
    const port = await freePort()
    const { lifecycle, hosts } = hosted(port)
    await lifecycle.start()
    expect(lifecycle.status).toMatchObject({ phase: 'running', port, peers: 0 })
    expect(hosts).toHaveLength(1)
    expect(lifecycle.relay).toBeUndefined()

    const url = `ws://127.0.0.1:${port}`
    const alice = client(url, 'alice')
    const bob = client(url, 'bob')
    const pipe = await alice.waitForPipe('bob', 'doc')
    pipe.socket.send('hello through the host')
    expect(await bob.waitForMessages('alice', 'doc', 1)).toEqual(['hello through the host'])
    await eventually(() => lifecycle.status.phase === 'running' && lifecycle.status.peers === 2, 10_000, 'the host to report both peers')
    // Both Clients run on this machine: one device.
    expect(lifecycle.status).toMatchObject({ devices: [expect.any(String)] })
  })

  test('settings apply live in the host; a new port restarts it, announced first', async () => {
    const port = await freePort()
    const { lifecycle, statuses } = hosted(port)
    await lifecycle.start()
    const alice = client(`ws://127.0.0.1:${port}`, 'alice')
    await alice.waitForServerConnects(1)

    await lifecycle.reconfigure(nodeOptions({ port, advertise: false, tls: false, name: 'Kitchen', priority: 5 }))
    expect(lifecycle.status).toMatchObject({ phase: 'running', port })
    expect(alice.serverDisconnects).toBe(0)

    const newPort = await freePort()
    statuses.length = 0
    await lifecycle.reconfigure(nodeOptions({ port: newPort, advertise: false, tls: false }))
    expect(statuses[0]).toEqual({ phase: 'starting', port: newPort, restart: ['port'] })
    expect(lifecycle.status).toMatchObject({ phase: 'running', port: newPort })
    expect((await fetchHealth(newPort)).status).toBe('ok')
  })

  test('a busy port is an error state from the host, and refused options are refused before the host sees them', async () => {
    const port = await freePort()
    const { lifecycle: first } = hosted(port)
    await first.start()
    const { lifecycle: second } = hosted(port)
    await second.start()
    expect(second.status).toMatchObject({ phase: 'error', port, message: expect.stringContaining('in use') })
    await expect(second.reconfigure(nodeOptions({ port, limits: { holdPauseBytes: 10, maxHeldBytes: 5 } }))).rejects.toThrow()
  })

  test('the window watches the feed through the host: a snapshot first, then admin actions answered', async () => {
    const port = await freePort()
    const { lifecycle } = hosted(port)
    await lifecycle.start()
    const received: MonitorServerMessage[] = []
    const window: MonitorSink = { open: true, queuedBytes: 0, send: message => void received.push(message.message) }
    lifecycle.monitor.subscribe(window, { capped: false })
    await eventually(() => received.some(message => message.type === 'snapshot'), 10_000, 'a snapshot from the host')
    lifecycle.monitor.perform(window, { type: 'disconnect-peer', requestId: 1, peerId: 'nobody' })
    await eventually(() => received.some(message => message.type === 'action-result'), 10_000, 'the action result')
    expect(received.find(message => message.type === 'action-result')).toMatchObject({ requestId: 1 })
    lifecycle.monitor.unsubscribe(window)
  })

  test('quit: the host stops the relay, acknowledges, and exits before quit resolves', async () => {
    const port = await freePort()
    const { lifecycle, hosts, statuses } = hosted(port)
    await lifecycle.start()
    const alice = client(`ws://127.0.0.1:${port}`, 'alice')
    await alice.waitForServerConnects(1)
    await lifecycle.quit()
    expect(hosts.map(host => host.exited)).toEqual([true])
    expect(statuses.at(-1)).toEqual({ phase: 'stopped' })
    await expect(fetchHealth(port)).rejects.toThrow()
  })

  test(`a crashed host is reported and started again, ${HOST_RESTARTS} times until the next Resume`, async () => {
    const port = await freePort()
    const { lifecycle, hosts, statuses } = hosted(port)
    await lifecycle.start()
    for (let crash = 1; crash <= HOST_RESTARTS; crash++) {
      hosts.at(-1)!.process.kill()
      await eventually(() => hosts.length === crash + 1 && running(lifecycle.status), 20_000, `restart ${crash}`)
    }
    expect(statuses.filter(status => status.phase === 'error').at(0)).toMatchObject({ message: expect.stringContaining('stopped unexpectedly') })
    expect((await fetchHealth(port)).status).toBe('ok')

    hosts.at(-1)!.process.kill()
    await eventually(() => lifecycle.status.phase === 'error' && lifecycle.status.message.includes('Resume'), 10_000, 'the relay to wait for Resume')
    expect(hosts).toHaveLength(HOST_RESTARTS + 1)
    await lifecycle.resume()
    expect(lifecycle.status).toMatchObject({ phase: 'running', port })
    expect(hosts).toHaveLength(HOST_RESTARTS + 2)
  })
})
