/**
 * What a relay advertises, where, and under which name, checked on real hosts (network
 * namespaces) with python-zeroconf, and what the model says about it. Two networks:
 *   LAN 0 (10.213.0.0/24): hosts 1, 2, 3        LAN 1 (10.213.1.0/24): host 1 (as eth1), host 4
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import type { AdvertisingView } from '../../shared/relay-model.js'
import { until } from '../helpers/clients.js'
import { Lan, describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { NsProcess, killAll, nodeIn, startRelay, zeroconfBrowse, type AgentEvent } from '../helpers/ns-process.js'

const capability = await lanCapability()

const modelOf = (event: AgentEvent) => event.advertising as AdvertisingView
const isModel = (match: (view: AdvertisingView) => boolean) => (event: AgentEvent) => event.ev === 'model' && match(modelOf(event))

describeOnLan(capability, 'LAN discovery: what is advertised, where, and what the model shows (network namespaces)', () => {
  let lan: Lan
  let h1: Host, h2: Host, h3: Host, h4: Host
  let dir: string
  let relays = 0

  /** A relay with discovery in one process (agents/model-relay.ts), reporting its model. */
  function modelRelay(host: Host, options: Record<string, unknown>): NsProcess {
    return nodeIn(host, 'test/discovery/agents/model-relay.ts', [JSON.stringify({ instanceIdFile: join(dir, `id-${++relays}`), ...options })])
  }

  beforeAll(async () => {
    lan = await Lan.create({ hosts: 3, extraNetworks: [{ members: [0], newHosts: 1 }] })
    ;[h1, h2, h3, h4] = lan.hosts as [Host, Host, Host, Host]
    dir = mkdtempSync(join(tmpdir(), 'switchboard-adv-'))
  }, 30_000)

  afterEach(async () => {
    await killAll()
  })

  afterAll(async () => {
    await killAll()
    await lan?.destroy()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)

  test('each network hears only its own interface addresses; container bridges, VPNs and loopback are skipped and the model says why', async () => {
    // Stand-ins with the names Docker and WireGuard give their interfaces, each with a veth
    // partner (the name Docker gives a container's link) so that it has a carrier.
    for (const [name, address] of [
      ['docker0', '172.17.0.1/16'],
      ['br-0123456789ab', '172.18.0.1/16'],
      ['wg0', '10.99.0.1/24'],
    ] as const) {
      const partner = `veth${name.slice(0, 8)}`
      await lan.ip(h1, 'link', 'add', name, 'type', 'veth', 'peer', 'name', partner)
      await lan.ip(h1, 'addr', 'add', address, 'dev', name)
      await lan.ip(h1, 'link', 'set', partner, 'up')
      await lan.ip(h1, 'link', 'set', name, 'up')
    }
    const relay = modelRelay(h1, { advertise: true, hostname: 'multi' })
    const up = await relay.waitForEvent(isModel(view => view.state === 'advertising' && view.interfaces.length === 2), 15_000)
    const view = modelOf(up)
    expect(view).toMatchObject({
      state: 'advertising',
      serviceType: '_lf-relay._tcp',
      instanceName: 'Switchboard on multi',
      hostName: 'multi.local',
      interfaces: [
        { name: 'eth0', addresses: ['10.213.0.11'] },
        { name: 'eth1', addresses: ['10.213.1.11'] },
      ],
      otherRelays: [],
      chosen: true,
    })
    expect(view.skippedInterfaces).toEqual(
      expect.arrayContaining([
        { name: 'lo', code: 'loopback', reason: 'loopback' },
        { name: 'docker0', code: 'container-bridge', reason: 'container or VM bridge' },
        { name: 'br-0123456789ab', code: 'container-bridge', reason: 'container or VM bridge' },
        { name: 'wg0', code: 'tunnel', reason: 'VPN or tunnel (multicast rarely crosses it)' },
      ]),
    )

    const [onLan0, onLan1] = await Promise.all([zeroconfBrowse(h2), zeroconfBrowse(h4)])
    expect(onLan0.map(service => [service.server, service.addresses, service.hostResolves])).toEqual([['multi.local.', ['10.213.0.11'], ['10.213.0.11']]])
    expect(onLan1.map(service => [service.server, service.addresses, service.hostResolves])).toEqual([['multi.local.', ['10.213.1.11'], ['10.213.1.11']]])

    const stopping = relay.events.length
    expect((await relay.stop('SIGTERM')).code).toBe(0)
    expect(relay.events.slice(stopping).map(event => (event.ev === 'model' ? modelOf(event).state : event.ev))).toEqual(['off', 'stopped'])
  }, 40_000)

  test('--interface pins the advertisement to one network; --no-advertise sends nothing and the model says so', async () => {
    const pinned = startRelay(h1, { hostname: 'pinned', idFile: join(dir, 'pinned-id'), args: ['--interface', 'eth1'] })
    await pinned.waitForLine(/mDNS: advertising "Switchboard on pinned" \(_lf-relay\._tcp\) as pinned\.local on eth1 \(10\.213\.1\.11\)$/, 20_000)
    const silent = modelRelay(h3, { advertise: false, hostname: 'silent' })
    const off = await silent.waitForEvent(event => event.ev === 'model', 15_000)
    expect(modelOf(off)).toMatchObject({ state: 'off', offReason: 'disabled', interfaces: [], otherRelays: [] })

    const [onLan0, onLan1] = await Promise.all([zeroconfBrowse(h2), zeroconfBrowse(h4)])
    expect(onLan0).toEqual([])
    expect(onLan1.map(service => service.name)).toEqual(['Switchboard on pinned._lf-relay._tcp.local.'])
  }, 40_000)

  test('two relays with one host name, started at the same moment, end up with distinct names, and see each other', async () => {
    const twins = [modelRelay(h2, { advertise: true, hostname: 'twin' }), modelRelay(h3, { advertise: true, hostname: 'twin' })]
    const latest = () => twins.map(twin => twin.events.filter(event => event.ev === 'model').map(modelOf).pop())
    // Settled: both advertise under different names, and each sees the other under its current name.
    const settled = ([a, b]: (AdvertisingView | undefined)[]) =>
      a?.state === 'advertising' && b?.state === 'advertising' && a.instanceName !== b.instanceName && a.otherRelays[0]?.name === b.instanceName && b.otherRelays[0]?.name === a.instanceName
    await until(() => settled(latest()), 15_000, () => `the twins to settle: ${JSON.stringify(latest())}`)
    const final = latest() as AdvertisingView[]
    expect(new Set(final.map(view => view.instanceName))).toEqual(new Set(['Switchboard on twin', 'Switchboard on twin (2)']))
    expect(new Set(final.map(view => view.hostName))).toEqual(new Set(['twin.local', 'twin-2.local']))
    expect(final.map(view => view.chosen).sort()).toEqual([false, true])
    const renamed = final.find(view => view.instanceName === 'Switchboard on twin (2)')!
    expect(renamed.errors.map(error => error.message)).toContain('"Switchboard on twin" is in use on the network; renamed to "Switchboard on twin (2)"')
    expect(final.map(view => view.otherRelays[0]!.id)).toEqual([final[1]!.txt!.id, final[0]!.txt!.id])

    const services = await zeroconfBrowse(h1)
    const byServer = Object.fromEntries(services.map(service => [service.server, service]))
    const twinAddress = (view: AdvertisingView) => view.interfaces[0]!.addresses
    for (const view of final) {
      const service = byServer[`${view.hostName}.`]
      expect(service, `${view.hostName} browsed`).toBeDefined()
      expect(service!.name).toBe(`${view.instanceName}._lf-relay._tcp.local.`)
      expect(service!.addresses).toEqual(twinAddress(view))
      expect(service!.hostResolves).toEqual(twinAddress(view))
    }
  }, 40_000)

  test('when port 5353 is held exclusively the model shows the error, and advertising starts once it is free', async () => {
    const holder = new NsProcess(h3, [process.execPath, '-e', "require('dgram').createSocket({ type: 'udp4', reuseAddr: false }).bind(5353, () => console.log('holding 5353'))"])
    await holder.waitForLine(/holding 5353/)
    const relay = modelRelay(h3, { advertise: true, hostname: 'blocked' })
    const failing = await relay.waitForEvent(isModel(view => view.state === 'error'), 15_000)
    expect(modelOf(failing).reason).toBe('eth0: port 5353 unavailable (EADDRINUSE): another program holds the mDNS port exclusively')
    await holder.stop('SIGKILL')
    const freed = Date.now()
    const up = await relay.waitForEvent(isModel(view => view.state === 'advertising'), 10_000)
    console.log(`MEASURED: port 5353 freed → advertising: ${up.at - freed} ms (retried every 5 s)`)
    expect(modelOf(up).errors.map(error => error.message)).toContain('eth0: port 5353 unavailable (EADDRINUSE): another program holds the mDNS port exclusively')
  }, 40_000)
})
