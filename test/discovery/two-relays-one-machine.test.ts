/**
 * Several relays on one machine, and relays sharing an id, between real hosts: network namespaces
 * that share one filesystem, which is what two relays of one user on one computer share. Relays run
 * with default settings (no SWITCHBOARD_INSTANCE_ID_FILE; one config folder for all, as one user
 * has), apps use the client library with no url. The steps build on each other and run in order.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { beforeAll, expect, test } from 'vitest'
import { until } from '../helpers/clients.js'
import { describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { nodeIn, startAgent, type AgentEvent, type NsProcess } from '../helpers/ns-process.js'
import { lanFixture } from '../helpers/lan-fixture.js'

interface RelayBrief {
  id: string
  host: string
  port: number
  url: string
}

const relaysOf = (event: AgentEvent) => event.relays as RelayBrief[]

/**
 * How long clients are watched for moves after every relay is visible to them. A flap shows within
 * a second (each announcement is repeated after 1 s and 2 s); this is an observation window, not a
 * wait for something to happen.
 */
const WATCH_FOR_MOVES_MS = 3_000

const capability = await lanCapability()

describeOnLan(capability, 'two relays on one machine, and relays sharing an id, are two relays (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 4 }, 'switchboard-two-relays-')
  let machine: Host, otherMachine: Host, appHost1: Host, appHost2: Host
  beforeAll(() => {
    ;[machine, otherMachine, appHost1, appHost2] = fixture.hosts as [Host, Host, Host, Host]
  })
  const config = () => join(fixture.dir, 'config')
  let apps: NsProcess[] = []

  /** The headless relay CLI as a user starts it, with this test's config folder as the user's. */
  function relay(host: Host, hostname: string, port: number, priority: number, idFile = ''): NsProcess {
    const env = { XDG_CONFIG_HOME: config(), SWITCHBOARD_INSTANCE_ID_FILE: idFile, npm_config_update_notifier: 'false' }
    return nodeIn(host, 'src-main/cli/relay.ts', ['--port', String(port), '--priority', String(priority)], { hostname, env })
  }

  const advertising = (started: NsProcess) => started.waitForLine(/mDNS: advertising "Switchboard on /, 20_000)

  /** Two apps, each with a watcher and one client, on two other hosts. */
  async function startApps(tag: string): Promise<void> {
    apps = await Promise.all([startAgent(appHost1), startAgent(appHost2)])
    apps.forEach((app, i) => {
      app.send({ do: 'watch' })
      app.send({ do: 'client', name: `${tag}${i}`, peerId: `${tag}-p${i}`, documentIds: ['doc'] })
    })
  }

  /** `url` is wss://: TLS is on by default, and the client checks the relay's CA against its TXT pin. */
  const bothConnectedTo = (url: string, after = 0) =>
    Promise.all(apps.map(app => app.waitForEvent(event => event.ev === 'server-connect' && event.url === url, 10_000, after, `a client connected to ${url}`)))

  /** The first watcher list (after `after` events) with `count` relays. */
  const watcherSees = (count: number, after = 0) =>
    apps[0]!.waitForEvent(event => event.ev === 'relays' && relaysOf(event).length === count, 10_000, after, `the watcher seeing ${count} relays`).then(relaysOf)

  const moves = (app: NsProcess, after = 0) => app.events.slice(after).filter(event => event.ev === 'relay-change' || event.ev === 'server-disconnect')

  let relayA: NsProcess, relayB: NsProcess, relayC: NsProcess
  let idA: string, idB: string, idC: string

  test('relays started with default settings get ids of their own: on one machine (other port) and on two', async () => {
    await startApps('c')
    relayA = relay(machine, 'box', 8080, 5)
    await advertising(relayA)
    await bothConnectedTo('wss://10.213.0.11:8080')

    // B before C: among equal priorities the one that started first is the one clients go to next.
    relayB = relay(machine, 'box', 8081, 0)
    await advertising(relayB)
    relayC = relay(otherMachine, 'other', 8080, 0)
    await advertising(relayC)
    const seen = await watcherSees(3)
    const byPlace = new Map(seen.map(r => [`${r.host}:${r.port}`, r.id]))
    ;[idA, idB, idC] = [byPlace.get('box.local:8080')!, byPlace.get('box.local:8081')!, byPlace.get('other.local:8080')!]
    expect(new Set([idA, idB, idC]).size).toBe(3)
    // One file per front end and port; the second relay on port 8080 (another host, same files) took the next one.
    const kept = (name: string) => readFileSync(join(config(), 'switchboard', 'instances', name), 'utf8').trim()
    expect([kept('relay-8080'), kept('relay-8081'), kept('relay-8080-2')]).toEqual([idA, idB, idC])
  }, 60_000)

  test('clients stay on the priority relay while lower ones appear on its machine and on another, and nobody reports a clash', async () => {
    await delay(WATCH_FOR_MOVES_MS)
    for (const app of apps) {
      const changes = app.events.filter(event => event.ev === 'relay-change')
      expect(changes.map(event => (event.relay as RelayBrief).id)).toEqual([idA])
      expect(app.events.filter(event => event.ev === 'server-disconnect' || event.ev === 'conflict')).toEqual([])
    }
  }, 20_000)

  test('when the priority relay leaves, every client moves once, to the relay on its machine that started first', async () => {
    const from = apps.map(app => app.events.length)
    const stopping = Date.now()
    await relayA.stop('SIGTERM')
    await Promise.all(apps.map((app, i) => app.waitForEvent(event => event.ev === 'server-connect' && event.url === 'wss://10.213.0.11:8081', 10_000, from[i], 'a client on relay B')))
    const piped = await Promise.all(apps.map((app, i) => app.waitForEvent(event => event.ev === 'peer-connect', 10_000, from[i], 'the pipe again, through relay B')))
    console.log(`MEASURED: SIGTERM to relay A → both clients piping on relay B (same machine): ${Math.max(...piped.map(event => event.at)) - stopping} ms`)
    await delay(WATCH_FOR_MOVES_MS)
    for (const [i, app] of apps.entries()) {
      const changes = app.events.slice(from[i]).filter(event => event.ev === 'relay-change')
      expect(changes.map(event => (event.relay as RelayBrief).id)).toEqual([idB])
    }
  }, 30_000)

  test('a forced id clash (copied config) does not make clients move, and the relays started later take new ids', async () => {
    await Promise.all([relayB.stop('SIGTERM'), relayC.stop('SIGTERM'), ...apps.map(app => app.stop('SIGTERM'))])
    const shared = '7e57c0de-0000-4000-8000-00000000c1a5'
    const files = ['x-id', 'y-id', 'w-id'].map(name => join(fixture.dir, name))
    for (const file of files) writeFileSync(file, `${shared}\n`)

    const relayX = relay(machine, 'box', 8080, 5, files[0])
    await advertising(relayX)
    await startApps('d')
    await bothConnectedTo('wss://10.213.0.11:8080')

    // The worst case the issue saw: the clash on the same machine, and another on a second machine.
    const relayY = relay(machine, 'box', 8081, 0, files[1])
    const relayW = relay(otherMachine, 'other', 8080, 0, files[2])
    const renewed = (started: NsProcess) =>
      until(() => /announces this relay's instance id 7e57c0de-\S+ too .*; this relay now uses/.test(started.errors.join('')), 15_000, () => `a new id; stderr:\n${started.errors.join('')}`)
    await Promise.all([renewed(relayY), renewed(relayW)])

    const ids = () => files.map(file => readFileSync(file, 'utf8').trim())
    const [idX, idY, idW] = ids()
    expect(idX).toBe(shared)
    expect(new Set([idX, idY, idW]).size).toBe(3)
    await until(
      () => apps[0]!.events.some(event => event.ev === 'relays' && new Set(relaysOf(event).map(r => r.id)).size === 3 && relaysOf(event).length === 3),
      10_000,
      () => 'the watcher seeing three relays with three ids',
    )
    const last = apps[0]!.events.filter(event => event.ev === 'relays').at(-1)!
    expect(new Map(relaysOf(last).map(r => [`${r.host}:${r.port}`, r.id]))).toEqual(new Map([['box.local:8080', idX], ['box.local:8081', idY], ['other.local:8080', idW]]))
    // X, started first, kept its id: nothing to log there.
    expect(relayX.errors.join('')).not.toMatch(/announces this relay's instance id/)

    await delay(WATCH_FOR_MOVES_MS)
    for (const app of apps) {
      // While the clash lasted, the clients kept the relays apart and said so.
      expect(app.events.filter(event => event.ev === 'conflict').map(event => event.id)).toContain(shared)
      expect(moves(app).map(event => event.ev)).toEqual(['relay-change'])
      expect(moves(app).map(event => `${(event.relay as RelayBrief).host}:${(event.relay as RelayBrief).port}`)).toEqual(['box.local:8080'])
    }
  }, 60_000)
})
