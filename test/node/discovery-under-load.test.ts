/**
 * LAN discovery's settings changed on a RelayNode under load, seen from another host by an
 * independent mDNS browser (python-zeroconf), on real hosts (network namespaces): a new name and
 * priority are re-announced (goodbyes for the old name), interfaces are left and joined, and
 * advertising off sends goodbyes, while 100 peers and 50 live pipes carry on undisturbed.
 */
import { join } from 'node:path'
import { expect, test } from 'vitest'
import type { AdvertisingView } from '../../shared/relay-model.js'
import { lanFixture } from '../helpers/lan-fixture.js'
import { PYTHON, describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { NsProcess, nodeIn, zeroconfBrowse, type AgentEvent } from '../helpers/ns-process.js'
import type { LoadReport } from '../helpers/sequenced-load.js'

const capability = await lanCapability()

const SERVICE = '_lf-relay._tcp.local.'
const modelOf = (event: AgentEvent) => event.advertising as AdvertisingView
const reportOf = (event: AgentEvent) => event.report as LoadReport

describeOnLan(capability, 'RelayNode: discovery settings applied live under load (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 2 }, 'switchboard-node-lan-')

  test('name, priority, interfaces and advertising off: re-announced or withdrawn on the LAN, zero sockets closed, zero messages lost', async () => {
    const [h1, h2] = fixture.hosts as [Host, Host]
    const { dir } = fixture
    const watcher = new NsProcess(h2, [PYTHON, 'test/discovery/agents/zeroconf_check.py', 'watch'])
    await watcher.waitForLine(/"event": "ready"/, 15_000)
    const heard = (event: string, name: string, after = 0) =>
      watcher.waitForLine(new RegExp(`"event": "${event}", "name": "${name.replace(/[()]/g, '\\$&')}\\.${SERVICE.replace(/\./g, '\\.')}"`), 10_000, after)

    const node = nodeIn(h1, 'test/node/agents/node-under-load.ts', [JSON.stringify({ instanceIdFile: join(dir, 'id'), priority: 1 })], { hostname: 'office' })
    const ready = await node.waitForEvent(event => event.ev === 'ready', 30_000, 0, 'the node and its load')
    expect(reportOf(ready)).toMatchObject({ sockets: 200, closes: [] })
    await heard('Added', 'Switchboard on office')
    await node.waitForEvent(event => event.ev === 'model' && modelOf(event).state === 'advertising', 10_000)

    const reconfigure = async (change: Record<string, unknown>) => {
      const from = node.events.length
      node.send({ do: 'reconfigure', change })
      const done = await node.waitForEvent(event => event.ev === 'reconfigured' || event.ev === 'failed', 15_000, from, `reconfigured with ${JSON.stringify(change)}`)
      expect(done).toMatchObject({ ev: 'reconfigured', restarted: [] })
      expect(reportOf(done).closes).toEqual([])
      return from
    }

    // A new name and priority: the old name's goodbye, the new name announced with the new TXT record.
    let lines = watcher.lines.length
    const renamed = await reconfigure({ name: 'studio', priority: 7 })
    await heard('Removed', 'Switchboard on office', lines)
    await heard('Added', 'Switchboard on studio', lines)
    await node.waitForEvent(event => event.ev === 'model' && modelOf(event).state === 'advertising' && modelOf(event).instanceName === 'Switchboard on studio', 10_000, renamed)
    const services = await zeroconfBrowse(h2)
    expect(services.map(service => [service.name, service.server, service.txt?.prio])).toEqual([[`Switchboard on studio.${SERVICE}`, 'studio.local.', '7']])

    // Interfaces: pinned to one that is not there, the relay leaves eth0 (goodbyes); unpinned, it joins again.
    lines = watcher.lines.length
    await reconfigure({ interfaces: ['eth7'] })
    await heard('Removed', 'Switchboard on studio', lines)
    lines = watcher.lines.length
    await reconfigure({ interfaces: [] })
    await heard('Added', 'Switchboard on studio', lines)

    // Advertising off: goodbyes, while everyone stays connected.
    lines = watcher.lines.length
    const off = await reconfigure({ advertise: false })
    await heard('Removed', 'Switchboard on studio', lines)
    await node.waitForEvent(event => event.ev === 'model' && modelOf(event).state === 'off' && modelOf(event).offReason === 'disabled', 10_000, off)
    expect(await zeroconfBrowse(h2)).toEqual([])

    const from = node.events.length
    node.send({ do: 'drain' })
    const drained = reportOf(await node.waitForEvent(event => event.ev === 'drained', 15_000, from))
    console.log(`MEASURED: ${drained.received} numbered messages through 4 discovery changes on the LAN`)
    expect(drained).toMatchObject({ sockets: 200, closes: [], disorders: [] })
    expect(drained.received).toBe(drained.sent)
  }, 90_000)
})
