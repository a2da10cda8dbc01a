/**
 * The rules of LAN discovery, without a network: the TXT schema, the relay-choice rule, which
 * interfaces and addresses are advertised, the instance id, the CLI flags, name conflicts, the
 * record cache, the browser (fed by a scripted mDNS socket), and the discovery endpoint.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import {
  RecordCache,
  RelayBrowser,
  WIRE_PROTOCOL,
  chooseRelay,
  encodeRelayTxt,
  parseRelayTxt,
  rankRelays,
  type DiscoveredRelay,
  type RelayTxt,
} from '@switchboard/lan-mdns'
import { DISCOVERY_PATH, type DiscoveryDocument } from '../../shared/discovery.js'
import { advertisingOff, type AdvertisingOffReason, type AdvertisingView } from '../../shared/relay-model.js'
import { parseRelayArgs } from '../../src-main/cli/options.js'
import { describeAdvertisingChange } from '../../src-main/discovery/advertising-format.js'
import { hostLabel } from '../../src-main/discovery/advertiser.js'
import { selectInterfaces } from '../../src-main/discovery/interfaces.js'
import { findConflict, type OwnNames } from '../../src-main/discovery/name-conflicts.js'
import { RelayDiscovery } from '../../src-main/discovery/relay-discovery.js'
import { instanceFqdn } from '../../src-main/discovery/service-records.js'
import { startRelay } from '../helpers/relay.js'
import { v4, v6 } from '../helpers/interface-table.js'
import { ScriptedMdns, recordsOf, type ScriptedRelay } from './helpers/scripted-mdns.js'

const dir = mkdtempSync(join(tmpdir(), 'switchboard-rules-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const txt = (fields: Partial<RelayTxt> = {}): RelayTxt => ({
  proto: WIRE_PROTOCOL,
  version: '0.1.0',
  id: '00000000-0000-4000-8000-000000000001',
  path: '/',
  tokenRequired: false,
  priority: 0,
  startedAt: 1_000,
  ...fields,
})

const relay = (fields: Partial<DiscoveredRelay> = {}): DiscoveredRelay => ({
  ...txt(fields),
  name: 'Switchboard on x',
  host: 'x.local',
  port: 8080,
  addresses: ['10.0.0.1'],
  url: 'ws://10.0.0.1:8080',
  urls: ['ws://10.0.0.1:8080'],
  ...fields,
})

describe('TXT record', () => {
  test('round-trips every field in small key=value strings other stacks can read', () => {
    const fields = txt({ priority: 5, startedAt: 1_795_000_000_000, tokenRequired: true })
    const entries = encodeRelayTxt(fields)
    expect(entries).toEqual({ proto: WIRE_PROTOCOL, version: '0.1.0', id: fields.id, path: '/', token: '1', prio: '5', since: '1795000000000' })
    expect(parseRelayTxt(entries)).toEqual(fields)
    const strings = Object.entries(entries).map(([key, value]) => `${key}=${value}`)
    expect(Math.max(...strings.map(text => Buffer.byteLength(text)))).toBeLessThan(255)
    expect(strings.reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0)).toBeLessThan(200)
  })

  test('a relay serving wss:// says tls=1 and the first 16 hex digits of its CA; a pin that cannot be checked is no TLS', () => {
    const fields = txt({ tlsCa: '0123456789abcdef' })
    const entries = encodeRelayTxt(fields)
    expect(entries).toMatchObject({ tls: '1', ca: '0123456789abcdef' })
    expect(parseRelayTxt(entries)).toEqual(fields)
    expect(Object.entries(entries).reduce((sum, [key, value]) => sum + Buffer.byteLength(`${key}=${value}`) + 1, 0)).toBeLessThan(230)
    expect(encodeRelayTxt(txt())).not.toHaveProperty('tls')
    expect(parseRelayTxt({ ...entries, ca: '0123456789ABCDEF' })?.tlsCa).toBe('0123456789abcdef')
    const brokenPins: Record<string, string>[] = [{ tls: '0' }, { ca: '0123' }, { ca: 'not hex at all!!' }, { ca: `${'0'.repeat(16)}00` }]
    for (const broken of brokenPins) {
      expect(parseRelayTxt({ ...entries, ...broken })?.tlsCa, JSON.stringify(broken)).toBeUndefined()
    }
  })

  test('another implementation may leave out the optional keys; no id or no protocol is no relay', () => {
    expect(parseRelayTxt({ proto: WIRE_PROTOCOL, id: 'other' })).toEqual({
      proto: WIRE_PROTOCOL,
      version: '',
      id: 'other',
      path: '/',
      tokenRequired: false,
      priority: 0,
      startedAt: Number.MAX_SAFE_INTEGER,
    })
    expect(parseRelayTxt({ proto: WIRE_PROTOCOL, id: 'x', path: 'relay', prio: 'high', since: '12abc' })).toMatchObject({ path: '/relay', priority: 0, startedAt: Number.MAX_SAFE_INTEGER })
    expect(parseRelayTxt({ proto: WIRE_PROTOCOL })).toBeUndefined()
    expect(parseRelayTxt({ id: 'x' })).toBeUndefined()
  })
})

describe('the relay-choice rule', () => {
  const a = relay({ id: 'a', startedAt: 3_000 })
  const b = relay({ id: 'b', startedAt: 2_000 })
  const c = relay({ id: 'c', startedAt: 2_000 })
  const preferred = relay({ id: 'p', startedAt: 9_000, priority: 1 })

  test('highest priority, then the longest-running relay, then the smallest id', () => {
    expect(rankRelays([a, b, c]).map(r => r.id)).toEqual(['b', 'c', 'a'])
    expect(chooseRelay([a, b, c, preferred])?.id).toBe('p')
  })

  test('every client picks the same relay whatever order it heard them in', () => {
    const all = [a, b, c, preferred]
    const orders = [all, [...all].reverse(), [c, preferred, a, b], [b, a, preferred, c]]
    expect(new Set(orders.map(order => chooseRelay(order)?.id))).toEqual(new Set(['p']))
  })

  test('a relay clients cannot use is never picked: another protocol, a token needed, no address', () => {
    const unusable = [
      relay({ id: '0', startedAt: 1, proto: 'localfirst-relay/5' }),
      relay({ id: '1', startedAt: 1, tokenRequired: true }),
      relay({ id: '2', startedAt: 1, urls: [] }),
    ]
    expect(chooseRelay(unusable)).toBeUndefined()
    expect(chooseRelay([...unusable, a])?.id).toBe('a')
    expect(rankRelays([...unusable, a])[0]!.id).toBe('a')
  })

  test('a client that has the access token can use relays that require one, by the same rule', () => {
    const guarded = relay({ id: 'g', startedAt: 1, tokenRequired: true })
    expect(chooseRelay([a, guarded])?.id).toBe('a')
    expect(chooseRelay([a, guarded], { hasToken: true })?.id).toBe('g')
    expect(chooseRelay([guarded, relay({ id: 'x', startedAt: 1, proto: 'localfirst-relay/5' })], { hasToken: true })?.id).toBe('g')
  })
})

describe('which interfaces and addresses are advertised', () => {
  const table = {
    lo: [v4('127.0.0.1', true), { ...v6('::1'), internal: true }],
    eth0: [v4('192.168.1.20'), v6('fe80::1', 2), v6('fd00::20'), v6('2001:db8::20')],
    wlan0: [v4('192.168.1.21')],
    docker0: [v4('172.17.0.1')],
    'br-0123456789ab': [v4('172.18.0.1')],
    veth12ab34: [v4('169.254.3.3')],
    virbr0: [v4('192.168.122.1')],
    vboxnet0: [v4('192.168.56.1')],
    'vEthernet (WSL)': [v4('172.24.0.1')],
    tun0: [v4('10.8.0.2')],
    wg0: [v4('10.9.0.2')],
    utun3: [v6('fd7a:115c::1')],
    eth1: [v6('2001:db8:1::5')],
  }

  test('the LAN only: no loopback, container or VM bridges, VPNs, IPv6 link-local, or IPv6-only interfaces', () => {
    const { chosen, skipped } = selectInterfaces(table)
    expect(chosen).toEqual([
      { name: 'eth0', ipv4: '192.168.1.20', addresses: ['192.168.1.20', 'fd00::20', '2001:db8::20'] },
      { name: 'wlan0', ipv4: '192.168.1.21', addresses: ['192.168.1.21'] },
    ])
    expect(Object.fromEntries(skipped.map(s => [s.name, s.reason]))).toEqual({
      lo: 'loopback',
      docker0: 'container or VM bridge',
      'br-0123456789ab': 'container or VM bridge',
      veth12ab34: 'container or VM bridge',
      virbr0: 'container or VM bridge',
      vboxnet0: 'container or VM bridge',
      'vEthernet (WSL)': 'container or VM bridge',
      tun0: 'VPN or tunnel (multicast rarely crosses it)',
      wg0: 'VPN or tunnel (multicast rarely crosses it)',
      utun3: 'VPN or tunnel (multicast rarely crosses it)',
      eth1: 'no IPv4 address',
    })
  })

  test('--interface pins the choice, even to an interface the rules would skip; an unknown name is reported', () => {
    const { chosen, skipped } = selectInterfaces(table, { pinned: ['wlan0', 'docker0', 'eth9', 'lo'] })
    expect(chosen.map(iface => iface.name)).toEqual(['wlan0', 'docker0'])
    expect(skipped).toEqual(expect.arrayContaining([
      { name: 'eth0', code: 'not-chosen', reason: 'not among the interfaces chosen to advertise on' },
      { name: 'lo', code: 'loopback', reason: 'loopback' },
      { name: 'eth9', code: 'chosen-missing', reason: 'chosen to advertise on, but not found' },
    ]))
  })

  test('a relay listening on one address advertises that address only', () => {
    expect(selectInterfaces(table, { listenHost: '192.168.1.21' }).chosen).toEqual([{ name: 'wlan0', ipv4: '192.168.1.21', addresses: ['192.168.1.21'] }])
    expect(selectInterfaces(table, { listenHost: '192.168.1.21' }).skipped).toContainEqual({ name: 'eth0', code: 'not-listen-address', reason: 'does not hold the address the relay listens on' })
    expect(selectInterfaces(table, { listenHost: '0.0.0.0' }).chosen.map(iface => iface.name)).toEqual(['eth0', 'wlan0'])
  })

  test('host names become DNS labels', () => {
    expect(hostLabel('Studio.lan')).toBe('Studio')
    expect(hostLabel("Anna's MacBook Pro")).toBe('Anna-s-MacBook-Pro')
    expect(hostLabel('---')).toBe('switchboard')
  })
})

describe('CLI flags', () => {
  test('--interface repeats, --priority takes a whole number, --no-advertise turns it off, --name names the relay', () => {
    expect(parseRelayArgs([], {})).toMatchObject({ advertise: true, interfaces: [], priority: 0 })
    expect(parseRelayArgs(['--interface', 'eth0', '--interface', 'wlan0', '--priority', '3', '--no-advertise'], {})).toMatchObject({
      advertise: false,
      interfaces: ['eth0', 'wlan0'],
      priority: 3,
    })
    expect(() => parseRelayArgs(['--priority', '-1'], {})).toThrow(/--priority/)
    expect(parseRelayArgs(['--name', 'studio'], {})).toMatchObject({ name: 'studio' })
    expect(parseRelayArgs([], {})).toMatchObject({ name: undefined })
  })
})

describe('name conflicts', () => {
  const own: OwnNames = { fqdn: instanceFqdn('Switchboard on twin'), hostName: 'twin.local', port: 8080, id: 'b-id', addresses: ['10.0.0.2'] }
  const local = (address: string) => address === '10.0.0.2'
  const packetOf = (records: ReturnType<typeof recordsOf>) => ({ type: 'response' as const, questions: [], answers: records, additionals: [] })
  const twin = (id: string, hostName: string, address: string): ScriptedRelay => ({ name: 'Switchboard on twin', hostName, port: 8080, txt: txt({ id }), addresses: [address] })

  test('our own packets, looped back, are no conflict', () => {
    expect(findConflict(packetOf(recordsOf(twin('b-id', 'twin.local', '10.0.0.2'))), own, local)).toBeUndefined()
  })

  test('another relay under our name, or another machine under our host name, is; exactly one of two relays yields', () => {
    const other = findConflict(packetOf(recordsOf(twin('a-id', 'twin.local', '10.0.0.1'))), own, local)
    expect(other).toEqual({ instance: true, host: true, weYield: true })
    // Seen from the other side, the same pair of names: it keeps them.
    const mirrored: OwnNames = { ...own, id: 'a-id', addresses: ['10.0.0.1'] }
    expect(findConflict(packetOf(recordsOf(twin('b-id', 'twin.local', '10.0.0.2'))), mirrored, a => a === '10.0.0.1')).toEqual({ instance: true, host: true, weYield: false })
    const hostOnly = findConflict(packetOf(recordsOf({ ...twin('c-id', 'twin.local', '10.0.0.9'), name: 'Something else' })), own, local)
    expect(hostOnly).toEqual({ instance: false, host: true, weYield: false })
  })

  test('goodbyes are no conflict', () => {
    const records = recordsOf(twin('a-id', 'twin.local', '10.0.0.1')).map(record => ({ ...record, ttl: 0 }))
    expect(findConflict(packetOf(records), own, local)).toBeUndefined()
  })
})

describe('record cache', () => {
  const record = (data: string, ttl = 10) => ({ name: 'Host.local', type: 'A', ttl, data })

  test('keeps records for their TTL, asks again at 80% and 90%, drops them at 100%', () => {
    const cache = new RecordCache()
    cache.apply(record('10.0.0.1'), 0)
    expect(cache.get('host.local', 'A').map(r => r.data)).toEqual(['10.0.0.1'])
    expect(cache.sweep(7_000).due).toEqual([])
    expect(cache.sweep(8_000).due).toEqual([{ name: 'host.local', type: 'A' }])
    expect(cache.sweep(8_500).due).toEqual([])
    expect(cache.sweep(9_000).due).toEqual([{ name: 'host.local', type: 'A' }])
    expect(cache.sweep(10_000)).toEqual({ expired: true, due: [] })
  })

  test("a service record's goodbye drops it at once; an address record, shared by relays on one host, gets a second to be confirmed", () => {
    const cache = new RecordCache()
    const srv = { name: 'X._lf-relay._tcp.local', type: 'SRV', ttl: 120, data: { target: 'host.local', port: 8080 } }
    cache.apply(srv, 0)
    cache.apply({ ...srv, ttl: 0 }, 1)
    expect(cache.get(srv.name, 'SRV')).toEqual([])

    cache.apply(record('10.0.0.1'), 0)
    cache.apply(record('10.0.0.1', 0), 5_000)
    expect(cache.get('host.local', 'A')).toHaveLength(1)
    expect(cache.sweep(5_999)).toEqual({ expired: false, due: [] })
    expect(cache.sweep(6_000).expired).toBe(true)
    expect(cache.get('host.local', 'A')).toEqual([])

    cache.apply(record('10.0.0.1'), 7_000)
    cache.apply(record('10.0.0.1', 0), 7_100)
    // The other relay on the host answers the browser's question within the second.
    cache.apply(record('10.0.0.1'), 7_150)
    expect(cache.sweep(8_200).expired).toBe(false)
    expect(cache.get('host.local', 'A').map(r => r.data)).toEqual(['10.0.0.1'])
  })

  test('the cache-flush bit replaces what was heard more than a second before', () => {
    const cache = new RecordCache()
    cache.apply(record('10.0.0.1'), 0)
    cache.apply({ ...record('10.0.0.2'), flush: true }, 500)
    expect(cache.get('host.local', 'A').map(r => r.data)).toEqual(['10.0.0.1', '10.0.0.2'])
    cache.apply({ ...record('10.0.0.3'), flush: true }, 2_000)
    expect(cache.get('host.local', 'A').map(r => r.data)).toEqual(['10.0.0.3'])
  })
})

describe('relay browser', () => {
  const browsers: RelayBrowser[] = []
  afterEach(async () => {
    for (const browser of browsers.splice(0)) await browser.close()
  })

  function browse(): { browser: RelayBrowser; lan: ScriptedMdns } {
    const browser = new RelayBrowser()
    browsers.push(browser)
    const lan = new ScriptedMdns()
    browser.attach(lan)
    return { browser, lan }
  }
  const studio: ScriptedRelay = { name: 'Switchboard on studio', hostName: 'studio.local', port: 8080, txt: txt({ id: 'studio' }), addresses: ['10.0.0.5', 'fe80::5', 'fd00::5'] }

  test('asks for relays at once, and turns an announcement into a relay with its URLs (no IPv6 link-local)', () => {
    const { browser, lan } = browse()
    expect(lan.questions).toEqual([{ name: '_lf-relay._tcp.local', type: 'PTR' }])
    const seen: DiscoveredRelay[][] = []
    browser.on('change', relays => seen.push(relays))
    lan.announce(studio)
    expect(browser.relays).toEqual([
      { ...studio.txt, name: 'Switchboard on studio', host: 'studio.local', port: 8080, addresses: ['10.0.0.5', 'fd00::5'], url: 'ws://10.0.0.5:8080', urls: ['ws://10.0.0.5:8080', 'ws://[fd00::5]:8080'] },
    ])
    lan.announce(studio)
    expect(seen).toHaveLength(1)
  })

  test('a goodbye removes the relay at once; an address change (cache-flush) moves its URL', async () => {
    const { browser, lan } = browse()
    const downs: string[] = []
    browser.on('down', relay => downs.push(relay.id))
    lan.announce({ ...studio, addresses: ['10.0.0.5'] })
    await new Promise(resolve => setTimeout(resolve, 1_100))
    lan.announce({ ...studio, addresses: ['10.0.0.6'] })
    expect(browser.relays[0]!.urls).toEqual(['ws://10.0.0.6:8080'])
    lan.goodbye({ ...studio, addresses: ['10.0.0.6'] })
    expect(browser.relays).toEqual([])
    expect(downs).toEqual(['studio'])
  })

  test('an answer without its SRV, TXT or address records makes the browser ask for them', () => {
    const { browser, lan } = browse()
    lan.deliver(recordsOf(studio).filter(record => record.type === 'PTR'))
    expect(browser.relays).toEqual([])
    expect(lan.questions).toEqual(expect.arrayContaining([
      { name: instanceFqdn('Switchboard on studio'), type: 'SRV' },
      { name: instanceFqdn('Switchboard on studio'), type: 'TXT' },
    ]))
  })

  test('verify keeps a relay that answers and drops one that does not', async () => {
    const { browser, lan } = browse()
    lan.announce(studio)
    expect(await browser.verify(browser.relays[0]!, 200)).toBe(true)
    expect(browser.relays).toHaveLength(1)
    lan.silence(studio)
    expect(await browser.verify(browser.relays[0]!, 200)).toBe(false)
    expect(browser.relays).toEqual([])
  })
})

describe('discovery endpoint and the model, on a relay that cannot advertise (loopback only)', () => {
  test('GET answers the relay and the relays in choice order with CORS; OPTIONS answers a private-network preflight', async () => {
    const { relay, port } = await startRelay()
    try {
      const discovery = new RelayDiscovery(relay, { advertise: true, instanceIdFile: join(dir, 'endpoint-id') })
      const id = readFileSync(join(dir, 'endpoint-id'), 'utf8').trim()
      expect(relay.snapshot().advertising).toMatchObject({ state: 'off', reason: 'listening on 127.0.0.1 only, which no other machine can reach', chosen: false, txt: { id, tokenRequired: false } })

      const response = await fetch(`http://127.0.0.1:${port}${DISCOVERY_PATH}`, { headers: { Origin: 'http://app.example' } })
      expect(response.status).toBe(200)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      const document = (await response.json()) as DiscoveryDocument
      expect(document.relay).toMatchObject({ id, proto: WIRE_PROTOCOL, url: `ws://127.0.0.1:${port}`, port, tokenRequired: false })
      expect(document.relays.map(r => r.id)).toEqual([id])

      const preflight = await fetch(`http://127.0.0.1:${port}${DISCOVERY_PATH}`, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Private-Network': 'true' } })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-private-network')).toBe('true')
      expect((await fetch(`http://127.0.0.1:${port}${DISCOVERY_PATH}`, { method: 'POST' })).status).toBe(405)
      await discovery.stop()
    } finally {
      await relay.close()
    }
  })

  test('the headless relay prints what changed, errors on their own', () => {
    const words = (reason: AdvertisingOffReason) => reason
    const up: AdvertisingView = {
      state: 'advertising',
      serviceType: '_lf-relay._tcp',
      instanceName: 'Switchboard on x',
      hostName: 'x.local',
      interfaces: [{ name: 'eth0', addresses: ['10.0.0.1'] }],
      skippedInterfaces: [],
      errors: [],
      otherRelays: [],
      chosen: true,
    }
    expect(describeAdvertisingChange(undefined, up, words)).toEqual({ info: ['mDNS: advertising "Switchboard on x" (_lf-relay._tcp) as x.local on eth0 (10.0.0.1)'], errors: [] })
    const other = relay({ id: 'y', name: 'Switchboard on y', url: 'ws://10.0.0.2:8080' })
    const renamed: AdvertisingView = { ...up, errors: [{ at: 5, message: 'renamed' }], otherRelays: [other], chosen: false }
    expect(describeAdvertisingChange(up, renamed, words)).toEqual({
      info: ['mDNS: other relays on the LAN: "Switchboard on y" ws://10.0.0.2:8080; clients pick "Switchboard on y"'],
      errors: ['mDNS: renamed'],
    })
    expect(describeAdvertisingChange(renamed, { ...renamed, state: 'error', reason: 'port 5353 unavailable' }, words).errors).toEqual(['mDNS: port 5353 unavailable; retrying'])
    // Why it is off is a code; the front end words it.
    const off = { ...advertisingOff('disabled', 'advertising is turned off'), txt: up.txt }
    expect(describeAdvertisingChange(up, off, reason => `said by the front end: ${reason}`).info).toContain('mDNS advertising: off (said by the front end: disabled)')
  })
})
