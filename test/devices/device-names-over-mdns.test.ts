/**
 * Device names from reverse lookups over mDNS, between network namespaces: the bundled relay on one
 * host; a host whose responder (python-zeroconf's packet code) answers PTR questions for its
 * address; and a silent host with many addresses, which answers nothing and shows how often the
 * relay asks.
 */
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import type { DeviceView } from '../../shared/relay-model.js'
import { PYTHON, describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { NsProcess, nodeIn, type AgentEvent } from '../helpers/ns-process.js'
import { lanFixture } from '../helpers/lan-fixture.js'

const capability = await lanCapability()

/** The lookup rate the relay keeps to (DeviceNameLookups' defaults): 16 at once, then 4 a second. */
const BURST = 16
const PER_SECOND = 4
const SILENT_ADDRESSES = 24
const VISITS_PER_ADDRESS = 3

describeOnLan(capability, 'device names from reverse mDNS lookups (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 3 }, 'switchboard-device-names-')
  let relayHost: Host, namedHost: Host, silentHost: Host
  let monitor: NsProcess
  let url: string
  const silentAddresses = Array.from({ length: SILENT_ADDRESSES }, (_, i) => `10.213.0.${100 + i}`)

  const devicesNow = () => ((monitor.events.filter(event => event.ev === 'devices').at(-1)?.devices ?? []) as DeviceView[])

  beforeAll(async () => {
    ;[relayHost, namedHost, silentHost] = fixture.hosts as [Host, Host, Host]
    for (const address of silentAddresses) await fixture.lan.ip(silentHost, 'addr', 'add', `${address}/24`, 'dev', 'eth0')
    url = `ws://${relayHost.ip}:8080`
    const relay = new NsProcess(relayHost, [process.execPath, 'dist/cli/relay.mjs', '--port', '8080'], {
      hostname: 'relay-host',
      env: { SWITCHBOARD_INSTANCE_ID_FILE: join(fixture.dir, 'instance-id'), XDG_CONFIG_HOME: fixture.dir },
    })
    // Lookups go out on the advertiser's sockets: they must be open before the first device comes.
    await relay.waitForLine(/mDNS: advertising/, 20_000)
    monitor = nodeIn(relayHost, 'test/devices/agents/device-agent.ts', ['monitor', 'http://127.0.0.1:8080'])
    await monitor.waitForEvent(event => event.ev === 'devices', 15_000, 0, 'the monitor to start')
  }, 60_000)

  test('a device whose host answers the PTR question is shown by that name', async () => {
    const responder = new NsProcess(namedHost, [PYTHON, 'test/devices/agents/reverse_ptr.py', 'answer', namedHost.ip, 'annas-laptop'])
    await responder.waitForEvent(event => event.ev === 'ready', 10_000, 0, 'the responder')
    const app = nodeIn(namedHost, 'test/devices/agents/device-agent.ts', ['stay', url, 'anna-notes'])
    await app.waitForEvent(event => event.ev === 'open', 15_000, 0, 'the app connected')
    await monitor.waitForEvent(
      event => (event.devices as DeviceView[]).some(device => device.address === namedHost.ip && device.name === 'annas-laptop'),
      10_000,
      0,
      'the device named by its responder',
    )
    expect(devicesNow().find(device => device.address === namedHost.ip)).toMatchObject({ name: 'annas-laptop', nameSource: 'mdns', peers: ['anna-notes'] })
    expect(responder.events.filter(event => event.ev === 'question')).toHaveLength(1)
  }, 40_000)

  test('devices on a host that answers nothing keep their addresses, and each is asked once, at a bounded rate', async () => {
    const listener = new NsProcess(silentHost, [PYTHON, 'test/devices/agents/reverse_ptr.py', 'listen', ...silentAddresses])
    await listener.waitForEvent(event => event.ev === 'ready', 10_000, 0, 'the listener')
    const visitor = nodeIn(silentHost, 'test/devices/agents/device-agent.ts', ['visit', url, String(VISITS_PER_ADDRESS), ...silentAddresses])
    await visitor.waitForEvent(event => event.ev === 'visited', 60_000, 0, 'every visit made')
    const questions = () => listener.events.filter(event => event.ev === 'question')
    // Every address gets its question; the last ones wait for the rate.
    await listener.waitForEvent(() => questions().length >= SILENT_ADDRESSES, 30_000, 0, 'a question for every address')
    // Held open so that a surplus question would have had time to arrive: one more visit from each
    // of the first addresses, after which the relay has again had its chance to ask.
    const again = nodeIn(silentHost, 'test/devices/agents/device-agent.ts', ['visit', url, '1', ...silentAddresses.slice(0, 4)])
    await again.waitForEvent(event => event.ev === 'visited', 30_000, 0, 'the repeat visits')
    const asked = questions().map(event => event.name as string)
    expect(asked).toHaveLength(SILENT_ADDRESSES)
    expect(new Set(asked).size).toBe(SILENT_ADDRESSES)
    // Sixteen at once, then four a second: the last question cannot come sooner than this after the first.
    const times = questions().map((event: AgentEvent) => event.at)
    const spreadMs = Math.max(...times) - Math.min(...times)
    console.log(`MEASURED: ${SILENT_ADDRESSES} reverse lookups spread over ${spreadMs} ms`)
    expect(spreadMs).toBeGreaterThanOrEqual(((SILENT_ADDRESSES - BURST) / PER_SECOND) * 1000 - 500)
    // The address stays what the device is shown by.
    const stay = nodeIn(silentHost, 'test/devices/agents/device-agent.ts', ['stay', url, 'silent-app', silentAddresses[0]!])
    await stay.waitForEvent(event => event.ev === 'open', 15_000, 0, 'the silent app connected')
    await monitor.waitForEvent(event => (event.devices as DeviceView[]).some(device => device.peers.includes('silent-app')), 10_000, 0, 'the silent device')
    expect(devicesNow().find(device => device.peers.includes('silent-app'))).toEqual(expect.objectContaining({ address: silentAddresses[0] }))
    expect(devicesNow().find(device => device.peers.includes('silent-app'))?.name).toBeUndefined()
    expect(questions()).toHaveLength(SILENT_ADDRESSES)
  }, 120_000)
})
