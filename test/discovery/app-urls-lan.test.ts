/**
 * The URLs the relay gives apps, on real hosts: a relay host on two LANs with a container bridge
 * (`docker0`, 172.17.0.1/16) beside them, and an app host on each LAN. The CLI lines, the model the
 * dashboard gets and the discovery document name exactly the two LAN URLs, the one on the default
 * route's network first, never the bridge, which is named apart with its reason; and each URL
 * offered opens a WebSocket from an app on that LAN.
 */
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { DISCOVERY_PATH, type DiscoveryDocument } from '../../shared/discovery.js'
import type { SkippedInterface } from '../../shared/relay-model.js'
import { VERSION } from '../../src-main/version.js'
import { lanFixture } from '../helpers/lan-fixture.js'
import { describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { nodeIn, startRelay, type AgentEvent, type NsProcess } from '../helpers/ns-process.js'

const capability = await lanCapability()

/** Runs agents/url-probe.ts on a host and returns its answers once it is done. */
async function probe(host: Host, task: Record<string, unknown>): Promise<AgentEvent[]> {
  const agent = nodeIn(host, 'test/discovery/agents/url-probe.ts', [JSON.stringify(task)])
  await agent.waitForEvent(event => event.ev === 'done', 15_000, 0, 'the probe to finish')
  return agent.events.filter(event => event.ev !== 'done')
}

describeOnLan(capability, 'the URLs apps are given on a host with two LANs and a container bridge (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 2, extraNetworks: [{ members: [0], newHosts: 1 }] }, 'switchboard-urls-')
  let relayHost: Host, appOnFirst: Host, appOnSecond: Host
  let relay: NsProcess
  /** The URLs the model offers apps, as the dashboard got them. */
  let offered: string[] = []
  const first = 'ws://10.213.0.11:8080'
  const second = 'ws://10.213.1.11:8080'

  // After the fixture's own beforeAll, which built the LAN.
  beforeAll(async () => {
    const { lan } = fixture
    ;[relayHost, appOnFirst, appOnSecond] = lan.hosts as [Host, Host, Host]
    // What Docker makes: a bridge named docker0 holding 172.17.0.1/16, reachable only from containers.
    await lan.ip(relayHost, 'link', 'add', 'docker0', 'type', 'bridge')
    await lan.ip(relayHost, 'addr', 'add', '172.17.0.1/16', 'dev', 'docker0')
    await lan.ip(relayHost, 'link', 'set', 'docker0', 'up')
    // The second LAN is the one the machine lives on, so its URL must come first.
    await lan.ip(relayHost, 'route', 'add', 'default', 'dev', 'eth1')
    relay = startRelay(relayHost, { hostname: 'relay-u', idFile: join(fixture.dir, 'id') })
    await relay.waitForLine(/^ {2}dashboard:/, 30_000)
  }, 60_000)

  test('the CLI prints the two LAN URLs, default route first, and names docker0 apart as a container bridge', () => {
    const start = relay.lines.findIndex(line => line.startsWith('Switchboard relay'))
    const end = relay.lines.findIndex(line => line.startsWith('  dashboard:'))
    expect(relay.lines.slice(start, end)).toEqual([
      `Switchboard relay ${VERSION} listening on ws://localhost:8080 (all interfaces)`,
      expect.stringMatching(/^ {2}with TLS: wss:\/\/localhost:8080 \(same port; CA SHA-256 [0-9A-F:]{95}\)$/),
      `  on the LAN: ${second} and ${second.replace('ws://', 'wss://')}`,
      `  on the LAN: ${first} and ${first.replace('ws://', 'wss://')}`,
      `  CA certificate for devices to trust: ${second.replace('ws://', 'http://')}/_switchboard/ca.crt`,
      '  not offered to apps: docker0 (container or VM bridge)',
    ])
    expect(relay.lines.find(line => line.startsWith('  dashboard from other devices:'))).toBe('  dashboard from other devices: off (start with --admin-token to allow it)')
  })

  test('the model the dashboard gets holds the same URLs in the same order, this machine last, and docker0 with its reason code', async () => {
    const [snapshot] = await probe(relayHost, { monitor: 'http://127.0.0.1:8080' })
    offered = snapshot!.urls as string[]
    expect(offered).toEqual([second, first, 'ws://localhost:8080'])
    expect(snapshot!.notOffered as SkippedInterface[]).toEqual([{ name: 'docker0', code: 'container-bridge', reason: 'container or VM bridge' }])
  })

  test('the discovery document lists the same two LAN addresses in order, and no URL on the bridge', async () => {
    const [fetched] = await probe(appOnSecond, { fetch: `http://10.213.1.11:8080${DISCOVERY_PATH}` })
    expect(fetched!.status).toBe(200)
    const { relay: self } = JSON.parse(fetched!.body as string) as DiscoveryDocument
    expect(self.addresses).toEqual(['10.213.1.11', '10.213.0.11'])
    // The address the app asked first, then the .local name while advertising, then the offered addresses.
    expect(self.urls.filter(url => /^ws:\/\/\d/.test(url))).toEqual([second, first])
    expect(self.urls.join(' ')).not.toContain('172.17.')
  })

  test('each LAN URL the model offers opens a WebSocket from an app on that LAN; the bridge address does not', async () => {
    const lanUrls = offered.filter(url => url !== 'ws://localhost:8080')
    expect(lanUrls).toHaveLength(2)
    const appOn = (url: string) => (url.startsWith('ws://10.213.1.') ? appOnSecond : appOnFirst)
    const dialed = (await Promise.all(lanUrls.map(url => probe(appOn(url), { dial: [url] })))).flat()
    expect(dialed.map(({ url, ok }) => ({ url, ok }))).toEqual(lanUrls.map(url => ({ url, ok: true })))
    const [bridge] = await probe(appOnFirst, { dial: ['ws://172.17.0.1:8080'] })
    expect(bridge!.ok).toBe(false)
  })
})
