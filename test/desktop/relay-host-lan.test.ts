/**
 * Quitting the app sends LAN discovery's goodbyes from the relay host before quit resolves: the
 * lifecycle and its forked host on one namespace host, a watcher using the client library on another.
 */
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { lanFixture } from '../helpers/lan-fixture.js'
import { nodeIn, startAgent, type AgentEvent } from '../helpers/ns-process.js'

const capability = await lanCapability()

describeOnLan(capability, 'relay host on a LAN', () => {
  const fixture = lanFixture({ hosts: 2 }, 'switchboard-relay-host-lan-')

  test('quit: the watcher hears the goodbye (not a timeout) before quit resolves, and the host has exited', async () => {
    const [relayHost, watcherHost] = fixture.hosts as [Host, Host]
    const watcher = await startAgent(watcherHost)
    watcher.send({ do: 'watch' })
    await watcher.waitForEvent(event => event.ev === 'relays')

    const app = nodeIn(relayHost, 'test/desktop/agents/hosted-relay.ts', [join(fixture.dir, 'state')], { hostname: 'desk' })
    await app.waitForEvent(event => event.ev === 'status' && (event.status as { phase: string }).phase === 'running', 30_000, 0, 'the hosted relay running')
    const relays = (event: AgentEvent) => event.relays as unknown[]
    await watcher.waitForEvent(event => event.ev === 'relays' && relays(event).length === 1, 10_000, 0, 'the relay found')

    const from = watcher.events.length
    const quitAt = Date.now()
    app.send({ do: 'quit' })
    const done = await app.waitForEvent(event => event.ev === 'quit-done', 15_000, 0, 'quit to resolve')
    // A relay gone without goodbyes stays listed until its records expire (minutes), far beyond this wait.
    const gone = await watcher.waitForEvent(event => event.ev === 'relays' && relays(event).length === 0, 10_000, from, 'the goodbye at the watcher')
    expect(gone.at).toBeLessThanOrEqual(done.at)
    expect((await app.exited).code).toBe(0)
    console.log(`MEASURED: quit asked → goodbye seen by the watcher ${gone.at - quitAt} ms, quit resolved ${done.at - quitAt} ms`)
  }, 60_000)
})
