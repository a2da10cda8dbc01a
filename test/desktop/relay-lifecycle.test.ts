/**
 * The lifecycle controller against the real engine on loopback: start, pause and resume, settings
 * applied live, a restart only on a port change (announced first), a busy port as an error state,
 * and quit with LAN discovery's goodbyes first. No Electron: the controller is plain Node.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { RelayStatus } from '../../shared/ipc-schema.js'
import { logLifecycle } from '../../src-main/desktop/logs/activity-log.js'
import { RelayLifecycle } from '../../src-main/desktop/relay/relay-lifecycle.js'
import type { RelayServer } from '../../src-main/relay/relay-server.js'
import { RecordingDiscovery, nodeOptions } from '../helpers/node.js'
import { closeServer, fetchHealth, freePort, listenOn } from '../helpers/processes.js'
import { eventually, openPeer } from '../helpers/relay.js'

const lifecycles: RelayLifecycle[] = []
const sockets: { terminate(): void }[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await Promise.all(lifecycles.splice(0).map(lifecycle => lifecycle.quit()))
})

const options = (port: number, overrides: Parameters<typeof nodeOptions>[0] = {}) => nodeOptions({ port, ...overrides })

function track(lifecycle: RelayLifecycle): { statuses: RelayStatus[]; problems: string[] } {
  lifecycles.push(lifecycle)
  const statuses: RelayStatus[] = []
  const problems: string[] = []
  lifecycle.on('status', status => statuses.push(status))
  lifecycle.on('problem', problem => problems.push(problem))
  return { statuses, problems }
}

describe('relay lifecycle', () => {
  test('start: the relay listens with the settings, LAN discovery starts on it, and the status says running', async () => {
    const port = await freePort()
    const discovery = new RecordingDiscovery()
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: discovery.start })
    const { statuses } = track(lifecycle)
    await lifecycle.start()
    expect(statuses).toEqual([{ phase: 'running', port, urls: [`ws://127.0.0.1:${port}`], peers: 0, devices: [], syncing: false }])
    expect((await fetchHealth(port)).status).toBe('ok')
    expect(discovery.started).toHaveLength(1)
    expect(discovery.started[0]!.relay).toBe(lifecycle.relay)
  })

  test('the status follows who is connected and whether data flows: devices by address until named, syncing while a pipe carries bytes', async () => {
    const port = await freePort()
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: new RecordingDiscovery().start })
    track(lifecycle)
    await lifecycle.start()
    const base = `ws://127.0.0.1:${port}`
    const peers = await Promise.all(['/introduction/alice', '/introduction/bob', '/connection/alice/bob/doc', '/connection/bob/alice/doc'].map(path => openPeer(base, path)))
    sockets.push(...peers.map(peer => peer.socket))
    const running = () => (lifecycle.status.phase === 'running' ? lifecycle.status : undefined)
    await eventually(() => running()?.peers === 2, 5_000, 'two peers')
    // Both peers come from this machine: one device, shown by its address until a lookup names it.
    expect(running()).toMatchObject({ syncing: false })
    expect(running()!.devices).toHaveLength(1)
    const [, , fromAlice, toBob] = peers
    const sending = setInterval(() => fromAlice!.send(Buffer.alloc(1_000)), 50)
    try {
      await eventually(() => running()?.syncing === true, 10_000, 'syncing')
      expect(toBob!.received.length).toBeGreaterThan(0)
    } finally {
      clearInterval(sending)
    }
    await eventually(() => running()?.syncing === false, 10_000, 'idle again')
    for (const peer of peers) peer.socket.close()
    await eventually(() => running()?.peers === 0, 5_000, 'nobody')
    expect(running()).toMatchObject({ devices: [], syncing: false })
  })

  test('pause sends the goodbyes, closes the relay and frees the port; resume starts a new relay on it', async () => {
    const port = await freePort()
    const discovery = new RecordingDiscovery()
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: discovery.start })
    track(lifecycle)
    await lifecycle.start()
    const first = lifecycle.relay
    await lifecycle.pause()
    expect(lifecycle.status).toEqual({ phase: 'paused' })
    expect(discovery.log).toEqual([`advertise :${port}`, 'goodbye (relay listening: true)', 'goodbyes sent'])
    // The port is free again: something else can take it.
    await closeServer(await listenOn(port))
    // While paused the dashboard still reads the last engine's (closed) model.
    expect(lifecycle.relay).toBe(first)
    expect(lifecycle.relay!.snapshot().listening).toBe(false)

    await lifecycle.resume()
    expect(lifecycle.status).toMatchObject({ phase: 'running', port })
    expect(lifecycle.relay).not.toBe(first)
    expect(discovery.started).toHaveLength(2)
  })

  test('a port change restarts the relay on the new port; the old port is freed', async () => {
    const [oldPort, newPort] = [await freePort(), await freePort()]
    const lifecycle = new RelayLifecycle(options(oldPort), { startDiscovery: new RecordingDiscovery().start })
    const { statuses } = track(lifecycle)
    const relays: RelayServer[] = []
    lifecycle.on('relay', relay => relays.push(relay))
    await lifecycle.start()
    await lifecycle.reconfigure(options(newPort))
    // The status says why before the relay goes down: every app is about to reconnect.
    expect(statuses.map(status => status.phase)).toEqual(['running', 'starting', 'running'])
    expect(statuses[1]).toEqual({ phase: 'starting', port: newPort, restart: ['port'] })
    expect(lifecycle.status).toMatchObject({ phase: 'running', port: newPort })
    expect((await fetchHealth(newPort)).status).toBe('ok')
    await closeServer(await listenOn(oldPort))
    expect(relays).toHaveLength(2)
  })

  test('settings that change nothing the relay runs with do not restart it', async () => {
    const port = await freePort()
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: new RecordingDiscovery().start })
    const { statuses } = track(lifecycle)
    await lifecycle.start()
    const relay = lifecycle.relay
    await lifecycle.reconfigure(options(port))
    expect(lifecycle.relay).toBe(relay)
    expect(statuses).toHaveLength(1)
  })

  test('a paused relay keeps new settings for when it resumes', async () => {
    const [oldPort, newPort] = [await freePort(), await freePort()]
    const lifecycle = new RelayLifecycle(options(oldPort), { startDiscovery: new RecordingDiscovery().start })
    track(lifecycle)
    await lifecycle.start()
    await lifecycle.pause()
    await lifecycle.reconfigure(options(newPort))
    expect(lifecycle.status).toEqual({ phase: 'paused' })
    await lifecycle.resume()
    expect(lifecycle.status).toMatchObject({ phase: 'running', port: newPort })
  })

  test('a busy port is an error state that says what to do, not a crash; a new port recovers', async () => {
    const busy = await listenOn(0)
    const busyPort = (busy.address() as { port: number }).port
    try {
      const discovery = new RecordingDiscovery()
      const lifecycle = new RelayLifecycle(options(busyPort), { startDiscovery: discovery.start })
      const { statuses } = track(lifecycle)
      await lifecycle.start()
      expect(lifecycle.status).toEqual({
        phase: 'error',
        port: busyPort,
        message: `Port ${busyPort} is in use by another program; choose another port in Settings.`,
      })
      // The status starts as "starting", so the failed start shows as one change.
      expect(statuses.map(status => status.phase)).toEqual(['error'])
      expect(discovery.started).toHaveLength(0)

      // "Try again" with the port still taken: the same error.
      await lifecycle.resume()
      expect(lifecycle.status.phase).toBe('error')

      const freeOne = await freePort()
      await lifecycle.reconfigure(options(freeOne))
      expect(lifecycle.status).toMatchObject({ phase: 'running', port: freeOne })
    } finally {
      await closeServer(busy)
    }
  })

  test('an address that is not this machine, and limits the engine refuses, are error states too', async () => {
    const port = await freePort()
    const elsewhere = new RelayLifecycle(options(port, { host: '192.0.2.1' }), { startDiscovery: new RecordingDiscovery().start })
    track(elsewhere)
    await elsewhere.start()
    expect(elsewhere.status).toMatchObject({ phase: 'error', message: expect.stringContaining('192.0.2.1 is not an address of this machine') })

    const badLimits = new RelayLifecycle(options(port, { limits: { holdPauseBytes: 10, maxHeldBytes: 5 } }), { startDiscovery: new RecordingDiscovery().start })
    track(badLimits)
    await badLimits.start()
    expect(badLimits.status).toMatchObject({ phase: 'error', message: expect.stringContaining('holdPauseBytes') })
  })

  test('quit: goodbyes first, awaited, then the relay closes; nothing starts afterwards', async () => {
    const port = await freePort()
    const discovery = new RecordingDiscovery()
    discovery.goodbyeMs = 150
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: discovery.start })
    const { statuses } = track(lifecycle)
    await lifecycle.start()
    const peer = await openPeer(`ws://127.0.0.1:${port}`, '/introduction/carol')
    sockets.push(peer.socket)
    const relay = lifecycle.relay!
    let closedWhileGoodbyes = false
    const watcher = setInterval(() => {
      if (discovery.log.length === 2 && !relay.snapshot().listening) closedWhileGoodbyes = true
    }, 5)
    await lifecycle.quit()
    clearInterval(watcher)
    expect(closedWhileGoodbyes).toBe(false)
    expect(discovery.log.slice(1)).toEqual(['goodbye (relay listening: true)', 'goodbyes sent'])
    // The peer got the relay's shutdown close frame.
    await peer.closed
    expect(peer.closeCode).toBe(1001)
    expect(statuses.at(-1)).toEqual({ phase: 'stopped' })

    await lifecycle.start()
    await lifecycle.resume()
    expect(lifecycle.status).toEqual({ phase: 'stopped' })
    await closeServer(await listenOn(port))
  })

  test('goodbyes that never finish are given up on, so quitting cannot hang', async () => {
    const port = await freePort()
    const discovery = new RecordingDiscovery()
    discovery.goodbyeMs = undefined
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: discovery.start, goodbyeTimeoutMs: 100 })
    const { problems } = track(lifecycle)
    await lifecycle.start()
    const started = Date.now()
    await lifecycle.quit()
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(problems).toEqual(["LAN discovery's goodbyes took over 100 ms; stopped waiting"])
    expect(lifecycle.status).toEqual({ phase: 'stopped' })
  })

  test('LAN discovery failing to start is reported, and the relay runs without it', async () => {
    const port = await freePort()
    const lifecycle = new RelayLifecycle(options(port), {
      startDiscovery: () => {
        throw new Error('port 5353 unavailable')
      },
    })
    const { problems } = track(lifecycle)
    await lifecycle.start()
    expect(lifecycle.status.phase).toBe('running')
    expect(problems).toEqual(['LAN discovery did not start: port 5353 unavailable'])
  })

  test('clicks and setting changes arriving together run one after another', async () => {
    const [a, b] = [await freePort(), await freePort()]
    const lifecycle = new RelayLifecycle(options(a), { startDiscovery: new RecordingDiscovery().start })
    track(lifecycle)
    await Promise.all([lifecycle.start(), lifecycle.pause(), lifecycle.reconfigure(options(b)), lifecycle.resume(), lifecycle.start()])
    expect(lifecycle.status).toMatchObject({ phase: 'running', port: b })
    await closeServer(await listenOn(a))
  })

  test('every other setting applies live: the same relay, no status change, the peers stay, discovery hears of it', async () => {
    const port = await freePort()
    const discovery = new RecordingDiscovery()
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: discovery.start })
    const { statuses } = track(lifecycle)
    await lifecycle.start()
    const relay = lifecycle.relay
    const peer = await openPeer(`ws://127.0.0.1:${port}`, '/introduction/dora')
    sockets.push(peer.socket)
    await eventually(() => lifecycle.status.phase === 'running' && lifecycle.status.peers === 1, 5_000, 'one peer')
    const changed = options(port, {
      limits: { maxPeers: 7 },
      accessToken: 'an-access-token-1',
      adminToken: 'an-admin-token-1',
      allowPublic: true,
      name: 'studio',
      priority: 4,
      advertise: false,
      interfaces: ['eth1'],
    })
    await lifecycle.reconfigure(changed)
    expect(lifecycle.relay).toBe(relay)
    expect(statuses.map(status => status.phase)).toEqual(['running', 'running'])
    expect(peer.closeCode).toBeUndefined()
    expect(relay!.snapshot()).toMatchObject({ limits: { maxPeers: 7 }, access: { tokenRequired: true, allowPublic: true }, counts: { peers: 1 } })
    expect(discovery.started).toHaveLength(1)
    // TLS is on by default: discovery is told the CA's fingerprint for its TXT record's pin once
    // the certificate is made (the relay listens first), and keeps it through every change.
    const caFingerprint = expect.stringMatching(/^[0-9a-f]{64}$/)
    expect(discovery.reconfigured).toEqual([
      expect.objectContaining({ caFingerprint }),
      { advertise: false, interfaces: ['eth1'], priority: 4, tokenRequired: true, hostname: 'studio', caFingerprint },
    ])
  })

  test('settings the node refuses change nothing, and the relay runs on as it was', async () => {
    const port = await freePort()
    const lifecycle = new RelayLifecycle(options(port), { startDiscovery: new RecordingDiscovery().start })
    const { statuses } = track(lifecycle)
    await lifecycle.start()
    await expect(lifecycle.reconfigure(options(await freePort(), { limits: { holdPauseBytes: 10, maxHeldBytes: 5 } }))).rejects.toThrow(/holdPauseBytes/)
    expect(statuses).toEqual([{ phase: 'running', port, urls: [`ws://127.0.0.1:${port}`], peers: 0, devices: [], syncing: false }])
    expect(lifecycle.relay!.snapshot().limits.maxHeldBytes).not.toBe(5)
    expect((await fetchHealth(port)).status).toBe('ok')
  })

  test('the real LAN discovery plugs in: on loopback it stays off, says why in the app\'s words, and the model shows it', async () => {
    const port = await freePort()
    const directory = mkdtempSync(path.join(tmpdir(), 'switchboard-discovery-'))
    process.env.SWITCHBOARD_INSTANCE_ID_FILE = path.join(directory, 'instance-id')
    const logged: string[] = []
    const lifecycle = new RelayLifecycle(options(port))
    logLifecycle(lifecycle, { write: line => logged.push(line), append: line => logged.push(line) })
    track(lifecycle)
    try {
      await lifecycle.start()
      const advertising = lifecycle.relay!.snapshot().advertising
      expect(advertising).toMatchObject({ state: 'off', offReason: 'loopback-only' })
      expect(advertising.reason).toContain('127.0.0.1')
      expect(logged).toContain('mDNS advertising: off (listening on this computer only; choose "Every interface" under Listen on in Settings to be found on the LAN)')
      await lifecycle.quit()
    } finally {
      delete process.env.SWITCHBOARD_INSTANCE_ID_FILE
    }
  })
})
