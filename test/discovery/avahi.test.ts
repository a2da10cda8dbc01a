/**
 * Switchboard against Avahi, the mDNS stack Linux desktops run (RFC 6762 §8–9 conflicts, §10.1
 * goodbyes). Four hosts on one link, each its own network namespace; Avahi runs with its own host
 * name, /run and D-Bus (helpers/avahi-host.ts):
 *   h1: the relay, named "twin" (and, in some steps, Avahi on the same host, also "twin")
 *   h2: Avahi "observer", whose avahi-browse / avahi-resolve look at the relay
 *   h3: Avahi "twin", a late host claiming the relay's host name
 * The steps build on each other and run in order.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, beforeAll, expect, test } from 'vitest'
import { AvahiHost, avahiMissing, type AvahiService } from '../helpers/avahi-host.js'
import { describeOnLan, lanCapability, type Capability, type Host } from '../helpers/netns.js'
import { startRelay, zeroconfResolve, type NsProcess } from '../helpers/ns-process.js'
import { lanFixture } from '../helpers/lan-fixture.js'

const capability: Capability = await lanCapability().then(async lan => {
  const missing = lan.ok ? await avahiMissing() : undefined
  return missing ? { ok: false, reason: missing } : lan
})

const measured = (what: string, ms: number) => console.log(`MEASURED: ${what}: ${ms} ms`)
const RELAY = 'Switchboard on twin'

describeOnLan(capability, 'Switchboard and Avahi on one link (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 3 }, 'switchboard-avahi-')
  // What the relay would log if it gave up or fought over a name.
  const FIGHT = /renamed to|another host answers|another machine's name/
  let h1: Host, h2: Host, h3: Host
  let relay: NsProcess
  let observer: AvahiHost
  let relayHostAvahi: AvahiHost | undefined
  let lateHost: AvahiHost | undefined

  const relayService = (services: AvahiService[]) => services.filter(service => service.name === RELAY)

  /** Waits until the observer's Avahi resolves the relay's service. */
  const observerResolvesRelay = async (timeoutMs = 15_000) => relayService(await observer.browseUntil('_lf-relay._tcp', services => relayService(services).length > 0, timeoutMs))

  // What every party said, when a step failed: conflicts are settled by several processes at once.
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return
    for (const [who, lines] of [
      ['relay stdout', relay?.lines],
      ['relay stderr', relay?.stderr.split('\n')],
      ['avahi on the relay host', relayHostAvahi?.log],
      ['avahi on the late host', lateHost?.log],
      ['avahi on the observer', observer?.log],
    ] as const) {
      if (lines) console.log(`--- ${who}:\n${lines.join('\n')}`)
    }
  })

  beforeAll(async () => {
    ;[h1, h2, h3] = fixture.hosts as [Host, Host, Host]
    observer = await AvahiHost.create(h2, 'observer', join(fixture.dir, 'observer'))
    expect(await observer.start()).toBe('observer.local')
  }, 60_000)

  test('Avahi on another host finds the relay and resolves its service and its host name', async () => {
    relay = startRelay(h1, { hostname: 'twin', idFile: join(fixture.dir, 'relay-id') })
    await relay.waitForLine(/mDNS: advertising "Switchboard on twin" \(_lf-relay\._tcp\) as twin\.local on eth0 \(10\.213\.0\.11\)/, 30_000)
    const services = await observerResolvesRelay()
    expect(services).toEqual([{ name: RELAY, hostName: 'twin.local', address: '10.213.0.11', port: 8080, txt: expect.arrayContaining(['proto=localfirst-relay/4', 'path=/']) }])
    expect(await observer.resolveName('twin.local')).toBe('10.213.0.11')
  }, 60_000)

  /**
   * What python-zeroconf resolves `name` to, asking again while nobody answers: Avahi multicasts a
   * record at most once a second (RFC 6762 §6), so a query just after it announced a new host name
   * can go unanswered, as any resolver's first try may.
   */
  async function answeredName(host: Host, name: string, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const addresses = await zeroconfResolve(host, name)
      if (addresses.length > 0 || Date.now() > deadline) return addresses
    }
  }

  /**
   * Starts Avahi on h3 under the relay's host name and, until it settled, keeps looking from the
   * observer: the relay's service and twin.local must resolve to the relay at every look.
   */
  async function lateHostJoins(relayAddresses = ['10.213.0.11']): Promise<{ settled: string; looks: number }> {
    lateHost ??= await AvahiHost.create(h3, 'twin', join(fixture.dir, 'late'))
    // Still running when a previous step failed before stopping it.
    await lateHost.stop()
    let settled: string | undefined
    let failed: Error | undefined
    const started = lateHost.start().then(
      name => (settled = name),
      (error: Error) => (failed = error),
    )
    let looks = 0
    while (settled === undefined && failed === undefined) {
      const [services, address] = await Promise.all([observer.browse('_lf-relay._tcp'), observer.resolveName('twin.local')])
      expect(relayService(services).map(service => [service.hostName, service.port])).toEqual([['twin.local', 8080]])
      // A link-local address may carry its interface (fe80::1%eth0).
      expect(relayAddresses).toContain(relayService(services)[0]!.address.split('%')[0])
      expect(relayAddresses).toContain(address?.split('%')[0])
      looks++
    }
    await started
    if (failed) throw failed
    return { settled: settled!, looks }
  }

  test('a host joining late under the relay\'s host name renames itself (it probes, the relay answers); the relay keeps its names and stays resolvable', async () => {
    const before = relay.lines.length
    const { settled, looks } = await lateHostJoins()
    expect(settled).toBe('twin-2.local')
    expect(looks).toBeGreaterThan(0)
    // Exactly one owner of each name, as an independent resolver sees it.
    expect(await zeroconfResolve(h2, 'twin.local.')).toEqual(['10.213.0.11'])
    expect(await answeredName(h2, 'twin-2.local.')).toEqual(['10.213.0.13'])
    expect(relay.lines.slice(before).filter(line => FIGHT.test(line))).toEqual([])
    await lateHost!.stop()
  }, 90_000)

  test('Avahi on the relay\'s own host, under the same host name, changes nothing: no rename on either side, in either start order', async () => {
    relayHostAvahi = await AvahiHost.create(h1, 'twin', join(fixture.dir, 'relay-host'))
    expect(await relayHostAvahi.start()).toBe('twin.local')
    // The relay restarts while Avahi holds the name: it probes twin.local and hears this machine's own addresses.
    await relay.stop('SIGTERM')
    relay = startRelay(h1, { hostname: 'twin', idFile: join(fixture.dir, 'relay-id') })
    await relay.waitForLine(/mDNS: advertising "Switchboard on twin" \(_lf-relay\._tcp\) as twin\.local on eth0/, 30_000)
    expect((await observerResolvesRelay()).map(service => [service.hostName, service.address])).toEqual([['twin.local', '10.213.0.11']])
    expect(await zeroconfResolve(h2, 'twin.local.')).toEqual(['10.213.0.11'])
    expect(relay.lines.filter(line => FIGHT.test(line))).toEqual([])
    expect(relayHostAvahi.log.filter(line => /conflict/i.test(line))).toEqual([])
  }, 90_000)

  test('with Avahi and the relay both on the first host, a late host under the same name again ends as the only one renamed', async () => {
    const before = relay.lines.length
    // Avahi on the relay's host also publishes that host's link-local IPv6 address for twin.local
    // (over IPv4 too): an observer may get either, and both are the relay's host.
    const { settled } = await lateHostJoins(['10.213.0.11', linkLocalAddress(h1)])
    expect(settled).toBe('twin-2.local')
    expect(await zeroconfResolve(h2, 'twin.local.')).toEqual(['10.213.0.11'])
    expect(relay.lines.slice(before).filter(line => FIGHT.test(line))).toEqual([])
    expect(relayHostAvahi!.log.filter(line => /conflict/i.test(line))).toEqual([])
    await lateHost!.stop()
  }, 90_000)

  test("Avahi on another host sees the relay's goodbye when it stops", async () => {
    const watcher = observer.exec(['avahi-browse', '-pk', '_lf-relay._tcp'])
    await watcher.waitForLine(/^\+;eth0;IPv4;Switchboard\\032on\\032twin;/, 15_000)
    const stopping = Date.now()
    await relay.stop('SIGTERM')
    const { seenAt } = await watcher.waitForLine(/^-;eth0;IPv4;Switchboard\\032on\\032twin;/, 10_000)
    measured('SIGTERM to the relay → its goodbye seen by avahi-browse on another host', seenAt - stopping)
    await watcher.stop()
  }, 40_000)
})

/** The host's IPv6 link-local address on eth0 (fe80::…). */
function linkLocalAddress(host: Host): string {
  const line = execFileSync('ip', ['-n', host.ns, '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'], { encoding: 'utf8' })
  const address = /inet6 (fe80::[0-9a-f:]+)\//.exec(line)?.[1]
  if (!address) throw new Error(`no link-local address on ${host.ns} eth0: ${line}`)
  return address
}
