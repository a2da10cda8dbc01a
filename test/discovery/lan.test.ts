/**
 * LAN discovery between real hosts: four network namespaces on one bridge (10.213.0.0/24), relays
 * started as users start them, apps using the client library, and python-zeroconf as an
 * independent mDNS implementation. The steps build on each other and run in order:
 * relay A appears → clients find it and pipe through it → its address changes → relay B appears →
 * A leaves (goodbye) → A comes back and B crashes (no goodbye). Times are printed as MEASURED.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { DISCOVERY_PATH, type DiscoveryDocument } from '../../shared/discovery.js'
import { WIRE_PROTOCOL } from '../../shared/protocol.js'
import { VERSION } from '../../src-main/version.js'
import { describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { startAgent, startRelay, zeroconfBrowse, type AgentEvent, type NsProcess } from '../helpers/ns-process.js'
import { lanFixture } from '../helpers/lan-fixture.js'

interface RelayBrief {
  id: string
  name: string
  host: string
  url: string
  urls: string[]
  startedAt: number
}

const relaysOf = (event: AgentEvent) => event.relays as RelayBrief[]
const measured = (what: string, ms: number) => console.log(`MEASURED: ${what}: ${ms} ms`)

const capability = await lanCapability()

describeOnLan(capability, 'LAN discovery between hosts (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 4 }, 'switchboard-lan-')
  let relayHostA: Host, relayHostB: Host, appHost1: Host, appHost2: Host
  let relayA: NsProcess
  let relayB: NsProcess
  let app1: NsProcess
  let app2: NsProcess
  let idA: string
  let idB: string

  /** Waits until both apps' clients connected to `url` (after event counts `after1`/`after2`). */
  async function bothConnectedTo(url: string, after1: number, after2: number, timeoutMs = 10_000): Promise<[AgentEvent, AgentEvent]> {
    const connected = (event: AgentEvent) => event.ev === 'server-connect' && event.url === url
    return Promise.all([app1.waitForEvent(connected, timeoutMs, after1, `c1 connected to ${url}`), app2.waitForEvent(connected, timeoutMs, after2, `c2 connected to ${url}`)])
  }

  /** Waits for the two clients' pipe on "doc" (after the given event counts) and sends both ways through it. */
  async function pipeWorks(after1: number, after2: number, tag: string): Promise<number> {
    const pipe = (peerId: string) => (event: AgentEvent) => event.ev === 'peer-connect' && event.peerId === peerId
    await app1.waitForEvent(pipe('p2'), 10_000, after1, 'c1 pipe to p2')
    await app2.waitForEvent(pipe('p1'), 10_000, after2, 'c2 pipe to p1')
    app1.send({ do: 'send', client: 'c1', peerId: 'p2', documentId: 'doc', text: `hello ${tag}` })
    app2.send({ do: 'send', client: 'c2', peerId: 'p1', documentId: 'doc', base64: Buffer.from(`bytes ${tag}`).toString('base64') })
    const text = await app2.waitForEvent(event => event.ev === 'message' && event.text === `hello ${tag}`, 5_000, after2, `text "${tag}" at c2`)
    await app1.waitForEvent(event => event.ev === 'message' && event.base64 === Buffer.from(`bytes ${tag}`).toString('base64'), 5_000, after1, `binary "${tag}" at c1`)
    return text.at
  }

  beforeAll(() => {
    ;[relayHostA, relayHostB, appHost1, appHost2] = fixture.hosts as [Host, Host, Host, Host]
  })

  test('a relay started with `npm run relay` is found, resolved and used by a client on another host within about a second', async () => {
    app1 = await startAgent(appHost1)
    app1.send({ do: 'watch' })
    app1.send({ do: 'client', name: 'c1', peerId: 'p1', documentIds: ['doc'] })
    await app1.waitForEvent(event => event.ev === 'relays')

    relayA = startRelay(relayHostA, { hostname: 'relay-a', idFile: join(fixture.dir, 'a-id'), viaNpm: true })
    const { seenAt: listeningAt } = await relayA.waitForLine(/listening on ws:\/\/localhost:8080 \(all interfaces\)/, 30_000)
    const { seenAt: advertisedAt } = await relayA.waitForLine(/mDNS: advertising "Switchboard on relay-a" \(_lf-relay\._tcp\) as relay-a\.local on eth0 \(10\.213\.0\.11\)/)
    const found = await app1.waitForEvent(event => event.ev === 'relays' && relaysOf(event).length === 1, 5_000)
    const connected = await app1.waitForEvent(event => event.ev === 'server-connect' && event.client === 'c1', 5_000)
    idA = readFileSync(join(fixture.dir, 'a-id'), 'utf8').trim()

    expect(relaysOf(found)[0]).toMatchObject({ id: idA, name: 'Switchboard on relay-a', host: 'relay-a.local', url: 'ws://10.213.0.11:8080' })
    // TLS is on by default: the client checks the CA against the TXT pin and connects over wss://.
    expect(connected.url).toBe('wss://10.213.0.11:8080')
    measured('client started BEFORE the relay: relay listening → relay found by the watcher', found.at - listeningAt)
    measured('client started BEFORE the relay: relay listening → drop-in Client connected', connected.at - listeningAt)
    measured('relay listening → first announcement (probing for a free name)', advertisedAt - listeningAt)
    expect(connected.at - listeningAt).toBeLessThan(2_000)
  }, 45_000)

  test('a client started after the relay finds it at once; two drop-in Clients on two hosts pipe through it', async () => {
    app2 = await startAgent(appHost2)
    const asked = Date.now()
    app2.send({ do: 'watch' })
    app2.send({ do: 'client', name: 'c2', peerId: 'p2', documentIds: ['doc'] })
    const found = await app2.waitForEvent(event => event.ev === 'relays' && relaysOf(event).length === 1, 5_000)
    const connected = await app2.waitForEvent(event => event.ev === 'server-connect', 5_000)
    measured('client started AFTER the relay: watch started → relay found', found.at - asked)
    measured('client started AFTER the relay: Client created → connected', connected.at - asked)
    expect(found.at - asked).toBeLessThan(1_000)

    app2.send({ do: 'discover', timeout: 500 })
    const discovered = await app2.waitForEvent(event => event.ev === 'discovered')
    expect(relaysOf(discovered).map(relay => relay.id)).toEqual([idA])

    const piped = await pipeWorks(0, 0, 'via A')
    measured('second client created → message delivered through a pipe between the two hosts', piped - asked)
  }, 30_000)

  test('python-zeroconf sees the advertisement: SRV to relay-a.local:8080, the TXT record (with tls=1 and the CA pin), and relay-a.local resolving', async () => {
    const services = await zeroconfBrowse(relayHostB)
    expect(services).toEqual([
      {
        name: 'Switchboard on relay-a._lf-relay._tcp.local.',
        resolved: true,
        server: 'relay-a.local.',
        port: 8080,
        addresses: ['10.213.0.11'],
        // TLS is on by default: tls=1 and the first 16 hex digits of the CA's SHA-256.
        txt: { proto: WIRE_PROTOCOL, version: VERSION, id: idA, path: '/', token: '0', prio: '0', since: expect.stringMatching(/^\d{13}$/), tls: '1', ca: expect.stringMatching(/^[0-9a-f]{16}$/) },
        hostResolves: ['10.213.0.11'],
      },
    ])
  }, 20_000)

  test('the discovery endpoint answers a browser with CORS: the ws URL, id and version, and the relays in choice order', async () => {
    const url = `http://10.213.0.11:8080${DISCOVERY_PATH}`
    const before = app2.events.length
    app2.send({ do: 'fetch', url, headers: { Origin: 'http://app.example' } })
    const answer = await app2.waitForEvent(event => event.ev === 'fetched', 5_000, before)
    expect(answer.status).toBe(200)
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': '*', 'content-type': 'application/json' })
    const document = JSON.parse(answer.body as string) as DiscoveryDocument
    expect(document.relay).toMatchObject({ id: idA, version: VERSION, proto: WIRE_PROTOCOL, tokenRequired: false, url: 'ws://10.213.0.11:8080', name: 'Switchboard on relay-a' })
    expect(document.relay.urls).toEqual(['ws://10.213.0.11:8080', 'ws://relay-a.local:8080'])
    expect(document.relays.map(relay => relay.id)).toEqual([idA])

    // A page on the internet asking a private address sends a Private Network Access preflight.
    const preflightFrom = app2.events.length
    app2.send({ do: 'fetch', url, method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Private-Network': 'true' } })
    const preflight = await app2.waitForEvent(event => event.ev === 'fetched', 5_000, preflightFrom)
    expect(preflight.status).toBe(204)
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-private-network': 'true' })
  }, 20_000)

  test('when the relay host gets a new address, the relay republishes within a few seconds and clients follow it', async () => {
    const [from1, from2] = [app1.events.length, app2.events.length]
    const changed = Date.now()
    // As a DHCP lease for a new address does it: the old address goes, the new one comes.
    await fixture.lan.ip(relayHostA, 'addr', 'del', '10.213.0.11/24', 'dev', 'eth0')
    await fixture.lan.ip(relayHostA, 'addr', 'add', '10.213.0.21/24', 'dev', 'eth0')
    const seen = await app1.waitForEvent(event => event.ev === 'relays' && relaysOf(event)[0]?.url === 'ws://10.213.0.21:8080', 8_000, from1, 'the new address at the watcher')
    expect(relaysOf(seen)[0]!.urls).toEqual(['ws://10.213.0.21:8080'])
    const [c1, c2] = await bothConnectedTo('wss://10.213.0.21:8080', from1, from2)
    measured('address changed → new address seen by a watcher', seen.at - changed)
    measured('address changed → both clients reconnected to the new address', Math.max(c1.at, c2.at) - changed)
    expect(seen.at - changed).toBeLessThan(5_000)
    await pipeWorks(from1, from2, 'after the address change')
    // The relay's certificate was issued again for the new address, and no longer names the old one.
    await relayA.waitForLine(/TLS: new certificate for .*\b10\.213\.0\.21\b/)
    const checkFrom = app2.events.length
    app2.send({ do: 'tls-check', address: '10.213.0.21', port: 8080 })
    const checked = await app2.waitForEvent(event => event.ev === 'tls-checked', 5_000, checkFrom)
    expect(checked).toMatchObject({ authorized: true })
    expect(checked.names).toContain('IP Address:10.213.0.21')
    expect(checked.names).not.toContain('10.213.0.11')

    const services = await zeroconfBrowse(relayHostB)
    expect(services.map(service => [service.server, service.addresses, service.hostResolves])).toEqual([['relay-a.local.', ['10.213.0.21'], ['10.213.0.21']]])
  }, 30_000)

  test('with two relays on one link every client keeps to the one the rule picks, and the relays see each other', async () => {
    const [from1, from2] = [app1.events.length, app2.events.length]
    relayB = startRelay(relayHostB, { hostname: 'relay-b', idFile: join(fixture.dir, 'b-id') })
    await relayB.waitForLine(/mDNS: advertising "Switchboard on relay-b"/, 20_000)
    idB = readFileSync(join(fixture.dir, 'b-id'), 'utf8').trim()
    const both = (event: AgentEvent) => event.ev === 'relays' && relaysOf(event).length === 2
    const [seen1, seen2] = await Promise.all([app1.waitForEvent(both, 5_000, from1), app2.waitForEvent(both, 5_000, from2)])
    // A started first, so every client ranks it first.
    expect(relaysOf(seen1).map(relay => relay.id)).toEqual([idA, idB])
    expect(relaysOf(seen2).map(relay => relay.id)).toEqual([idA, idB])
    await relayA.waitForLine(/mDNS: other relays on the LAN: "Switchboard on relay-b" ws:\/\/10\.213\.0\.12:8080; clients pick this one/)
    await relayB.waitForLine(/mDNS: other relays on the LAN: "Switchboard on relay-a" ws:\/\/10\.213\.0\.21:8080; clients pick "Switchboard on relay-a"/)

    const discoveries = [app1.events.length, app2.events.length]
    app1.send({ do: 'discover', timeout: 500 })
    app2.send({ do: 'discover', timeout: 500 })
    const [d1, d2] = await Promise.all([app1.waitForEvent(e => e.ev === 'discovered', 5_000, discoveries[0]), app2.waitForEvent(e => e.ev === 'discovered', 5_000, discoveries[1])])
    expect(relaysOf(d1)[0]!.id).toBe(idA)
    expect(relaysOf(d2)[0]!.id).toBe(idA)
    // Nobody moved.
    expect([...app1.events.slice(from1), ...app2.events.slice(from2)].filter(event => event.ev === 'relay-change' || event.ev === 'server-disconnect')).toEqual([])
    expect((await zeroconfBrowse(appHost2)).map(service => service.name)).toEqual([
      'Switchboard on relay-a._lf-relay._tcp.local.',
      'Switchboard on relay-b._lf-relay._tcp.local.',
    ])
  }, 30_000)

  test('when the chosen relay shuts down it says goodbye, and every client moves to the other one', async () => {
    const [from1, from2] = [app1.events.length, app2.events.length]
    const stopping = Date.now()
    const exit = relayA.stop('SIGTERM')
    const gone = await app1.waitForEvent(event => event.ev === 'relays' && relaysOf(event).length === 1, 5_000, from1, 'relay A gone at the watcher')
    expect(relaysOf(gone)[0]!.id).toBe(idB)
    const [c1, c2] = await bothConnectedTo('wss://10.213.0.12:8080', from1, from2)
    const piped = await pipeWorks(from1, from2, 'via B')
    // npm itself dies of the signal it passes on; the relay under it shuts down cleanly.
    await exit
    expect(relayA.lines).toContain('relay stopped')
    measured('SIGTERM to relay A → its goodbye seen by a watcher', gone.at - stopping)
    measured('SIGTERM to relay A → both clients connected to relay B', Math.max(c1.at, c2.at) - stopping)
    measured('SIGTERM to relay A → pipe working again through relay B', piped - stopping)
    expect(Math.max(c1.at, c2.at) - stopping).toBeLessThan(3_000)
  }, 30_000)

  test('when the chosen relay crashes (no goodbye), clients notice the broken connection, confirm it is gone and move', async () => {
    const watched = app1.events.length
    relayA = startRelay(relayHostA, { hostname: 'relay-a', idFile: join(fixture.dir, 'a-id') })
    await relayA.waitForLine(/mDNS: advertising "Switchboard on relay-a"/, 20_000)
    const both = (event: AgentEvent) => event.ev === 'relays' && relaysOf(event).length === 2
    const seen = await app1.waitForEvent(both, 5_000, watched)
    // The same id after a restart, but a later start: it now ranks after B, so nobody moves back.
    expect(relaysOf(seen).map(relay => relay.id)).toEqual([idB, idA])

    const [from1, from2] = [app1.events.length, app2.events.length]
    const killed = Date.now()
    await relayB.stop('SIGKILL')
    const [c1, c2] = await bothConnectedTo('wss://10.213.0.21:8080', from1, from2)
    const piped = await pipeWorks(from1, from2, 'via A again')
    measured('SIGKILL to relay B → both clients connected to relay A', Math.max(c1.at, c2.at) - killed)
    measured('SIGKILL to relay B → pipe working again through relay A', piped - killed)
    expect(Math.max(c1.at, c2.at) - killed).toBeLessThan(5_000)
  }, 40_000)
})
