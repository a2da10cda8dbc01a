/**
 * The recently-seen history of the bundled relay: what an admin's dashboard shows once devices have
 * left, kept across a restart in an owner-only file that holds no document id, bounded when filled
 * past its caps, cleared by the admin action, and not kept at all with --no-history.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEVICE_NAME_HEADER, encodeDeviceName } from '@switchboard/lan-mdns/relay-service'
import type { RecentDeviceView } from '../../shared/relay-model.js'
import { MonitorClient } from '../dashboard/monitor-client.js'
import { TrackedClient } from '../helpers/clients.js'
import { freePort, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { RawPeer, eventually } from '../helpers/relay.js'

const DOCUMENTS = ['ledger-2026-q4-7f3a9c', 'payroll-draft-b81e02']
const MAX_DEVICES = 500
const MAX_PEERS = 2_000

let config: string
let port: number
const relays: CliRelay[] = []
const monitors: MonitorClient[] = []
beforeEach(async () => {
  config = mkdtempSync(join(tmpdir(), 'switchboard-history-'))
  port = await freePort()
})
afterEach(async () => {
  await Promise.all(monitors.splice(0).map(monitor => monitor.close()))
  await Promise.all(relays.splice(0).map(relay => relay.cli.stop()))
  rmSync(config, { recursive: true, force: true })
})

async function relay(args: string[] = []): Promise<{ relay: CliRelay; monitor: MonitorClient }> {
  const started = await startCliRelay(['--port', String(port), ...args], { XDG_CONFIG_HOME: config })
  relays.push(started)
  const monitor = new MonitorClient(`http://127.0.0.1:${port}`)
  monitors.push(monitor)
  await monitor.opened
  return { relay: started, monitor }
}

async function stop(started: CliRelay): Promise<void> {
  relays.splice(relays.indexOf(started), 1)
  expect((await started.cli.stop()).code).toBe(0)
}

/** An introduction socket from `address` (any of 127/8 reaches a loopback relay), joined to `documents`. */
async function visit(address: string, peerId: string, documents: string[] = [], headers: Record<string, string> = {}): Promise<RawPeer> {
  const peer = new RawPeer(`ws://127.0.0.1:${port}/introduction/${peerId}`, { localAddress: address, headers })
  await peer.opened
  if (documents.length > 0) peer.sendControl({ type: 'Join', documentIds: documents })
  return peer
}

const historyFile = () => join(config, 'switchboard', 'history', `relay-${port}.json`)
const recent = (monitor: MonitorClient) => monitor.state.model?.history.devices ?? []
const byAddress = (devices: readonly RecentDeviceView[], address: string) => devices.find(device => device.address === address)

describe('recently seen devices', () => {
  it('lists devices that left, keeps them across a restart in an owner-only file without document ids, and clears them', async () => {
    const first = await relay()
    const anna = await visit('127.0.0.2', 'anna-notes', DOCUMENTS, { [DEVICE_NAME_HEADER]: encodeDeviceName('Anna laptop') })
    const alice = new TrackedClient({ url: `ws://127.0.0.1:${port}`, peerId: 'alice', documentIds: [DOCUMENTS[0]!] })
    const bob = new TrackedClient({ url: `ws://127.0.0.1:${port}`, peerId: 'bob', documentIds: [DOCUMENTS[0]!] })
    const pipe = await alice.waitForPipe('bob', DOCUMENTS[0]!)
    pipe.socket.send('twelve bytes')
    await bob.waitForMessages('alice', DOCUMENTS[0]!, 1)
    await first.monitor.waitFor(s => s.devices.get('127.0.0.2')?.name === 'Anna laptop', 'the named device')
    expect(recent(first.monitor)).toEqual([])

    anna.close()
    alice.client.disconnectServer()
    bob.client.disconnectServer()
    await first.monitor.waitFor(s => (s.model?.history.devices.length ?? 0) === 2, 'both devices in the history once they left')
    const seen = recent(first.monitor)
    expect(seen.map(device => device.address).sort()).toEqual(['127.0.0.1', '127.0.0.2'])
    expect(byAddress(seen, '127.0.0.2')).toMatchObject({ name: 'Anna laptop', documents: 2, bytes: 0, peers: [{ id: 'anna-notes', documents: 2, bytes: 0 }] })
    const local = byAddress(seen, '127.0.0.1')!
    expect(local).toMatchObject({ documents: 1, bytes: 'twelve bytes'.length })
    expect(local.peers.map(peer => peer.id).sort()).toEqual(['alice', 'bob'])
    expect(local.lastSeen).toBeGreaterThanOrEqual(local.firstSeen)

    await stop(first.relay)
    const text = readFileSync(historyFile(), 'utf8')
    for (const documentId of DOCUMENTS) expect(text).not.toContain(documentId)
    expect(text).toContain('Anna laptop')
    expect(statSync(historyFile()).mode & 0o777).toBe(0o600)
    expect(statSync(join(config, 'switchboard', 'history', 'key')).mode & 0o777).toBe(0o600)
    expect(statSync(join(config, 'switchboard', 'history')).mode & 0o777).toBe(0o700)
    // Written whole and renamed into place: nothing half-written is left beside it.
    expect(readdirSync(join(config, 'switchboard', 'history')).sort()).toEqual(['key', `relay-${port}.json`])

    const second = await relay()
    await second.monitor.waitFor(s => s.model?.history.enabled === true, 'the history part of the model')
    expect(recent(second.monitor)).toEqual(seen)

    second.monitor.send({ type: 'clear-history', requestId: 1 })
    expect(await second.monitor.result(1)).toMatchObject({ ok: true })
    await second.monitor.waitFor(s => s.model?.history.devices.length === 0, 'the history cleared')
    await eventually(() => !readFileSync(historyFile(), 'utf8').includes('Anna laptop'), 10_000, 'the file cleared too')
  }, 60_000)

  it('keeps at most 500 devices and 2,000 peers, dropping those that left longest ago', async () => {
    const { relay: started, monitor } = await relay()
    const devices = MAX_DEVICES + 20
    const peersEach = 4
    for (let i = 0; i < devices; i++) {
      const address = `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`
      const peers = await Promise.all(Array.from({ length: peersEach }, (_, p) => visit(address, `d${i}-p${p}`, [`doc-${i}`])))
      await Promise.all(peers.map(peer => peer.close()))
    }
    const last = `127.1.${Math.floor((devices - 1) / 250)}.${((devices - 1) % 250) + 1}`
    await monitor.waitFor(s => s.model?.history.devices[0]?.address === last, 'the last device first in the history', 30_000)
    const seen = recent(monitor)
    expect(seen).toHaveLength(MAX_DEVICES)
    expect(seen.reduce((sum, device) => sum + device.peers.length, 0)).toBe(MAX_PEERS)
    // Newest first; the first twenty devices are gone, and of the others the oldest lost their peers first.
    expect(seen.some(device => device.address === '127.1.0.1')).toBe(false)
    expect(seen.at(-1)!.address).toBe('127.1.0.21')
    expect(seen[0]!.peers).toHaveLength(peersEach)
    await stop(started)
    const stored = JSON.parse(readFileSync(historyFile(), 'utf8')) as { devices: unknown[] }
    expect(stored.devices).toHaveLength(MAX_DEVICES)
  }, 120_000)

  it('keeps nothing with --no-history', async () => {
    const { relay: started, monitor } = await relay(['--no-history'])
    const peer = await visit('127.0.0.2', 'passing', DOCUMENTS)
    await monitor.waitFor(s => s.devices.has('127.0.0.2'), 'the device connected')
    peer.close()
    await monitor.waitFor(s => !s.devices.has('127.0.0.2'), 'the device gone')
    expect(monitor.state.model?.history).toEqual({ enabled: false, devices: [] })
    monitor.send({ type: 'clear-history', requestId: 7 })
    expect(await monitor.result(7)).toMatchObject({ ok: false })
    await stop(started)
    expect(() => statSync(historyFile())).toThrow(/ENOENT/)
  })
})
