/**
 * RFC 6762 name conflicts with real packets between hosts (network namespaces), Switchboard on
 * both sides: the relay's prober against itself for the simultaneous-probe tiebreak (§8.2), and the
 * relay against a host that claims its name after it announced (§9). Avahi's side of the same rules
 * is in avahi.test.ts.
 */
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { describeOnLan, lanCapability, PYTHON, type Host } from '../helpers/netns.js'
import { NsProcess, nodeIn, startRelay, zeroconfBrowse, type AgentEvent } from '../helpers/ns-process.js'
import { lanFixture } from '../helpers/lan-fixture.js'

const capability = await lanCapability()

async function startPeer(host: Host): Promise<NsProcess> {
  const peer = nodeIn(host, 'test/discovery/agents/mdns-peer.ts', [host.ip])
  await peer.waitForEvent(event => event.ev === 'ready', 15_000, 0, 'the mDNS peer to start')
  return peer
}

const rounds = (peer: NsProcess) => peer.events.filter(event => event.ev === 'probed')

describeOnLan(capability, 'mDNS name conflicts between hosts, as RFC 6762 settles them (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 3 }, 'switchboard-conflicts-')
  let h1: Host, h2: Host, h3: Host

  beforeAll(() => {
    ;[h1, h2, h3] = fixture.hosts as [Host, Host, Host]
  })

  test('two hosts probing one name at once: the later data wins byte-wise (10.213.0.10 over 10.213.0.9, unlike as strings), the other defers every round', async () => {
    const [early, late] = await Promise.all([startPeer(h1), startPeer(h2)])
    // The winner keeps probing for longer, so every round of the loser meets its probes.
    late.send({ do: 'probe', hostName: 'twin.local', addresses: ['10.213.0.10'], rounds: 8 })
    early.send({ do: 'probe', hostName: 'twin.local', addresses: ['10.213.0.9'], rounds: 3 })
    await early.waitForEvent(event => event.ev === 'probed' && event.round === 3, 20_000)
    await late.waitForEvent(event => event.ev === 'probed' && event.round === 8, 20_000)
    const summary = (peer: NsProcess) => rounds(peer).map(({ taken, deferred }: AgentEvent) => ({ taken, deferred }))
    expect(summary(early)).toEqual(Array.from({ length: 3 }, () => ({ taken: [], deferred: ['host'] })))
    expect(summary(late)).toEqual(Array.from({ length: 8 }, () => ({ taken: [], deferred: [] })))
    await Promise.all([early.stop(), late.stop()])
  }, 40_000)

  test('a host claiming the relay\'s name after it announced sends it back to probing: it keeps the name if nobody answers then, and renames if the other host does', async () => {
    const relay = startRelay(h1, { hostname: 'twin', idFile: join(fixture.dir, 'relay-id') })
    await relay.waitForLine(/mDNS: advertising "Switchboard on twin" \(_lf-relay\._tcp\) as twin\.local/, 30_000)
    const asker = new NsProcess(h3, [PYTHON, 'test/discovery/agents/zeroconf_check.py', 'ask', 'twin.local.'])
    await asker.waitForEvent(event => event.event === 'ready', 15_000)
    const peer = await startPeer(h2)

    // A stray claim (announced once, never answered again): probing finds the name free.
    const before = relay.stderr.length
    peer.send({ do: 'announce', hostName: 'twin.local', addresses: ['10.213.0.12'], answer: false })
    const conflictSeen = await relay.waitForStderr(/another host answers for twin\.local too; probing the name again/, 10_000, before)
    const askedFrom = asker.events.length
    // Silent while probing, the relay answers again once the name proved free.
    await asker.waitForEvent(event => event.event === 'answer' && event.from === '10.213.0.11' && event.address === '10.213.0.11', 10_000, askedFrom)
    expect(relay.stderr.slice(before)).not.toMatch(/renamed to/)

    // A host that keeps answering for the name: the relay's probe meets it, and the relay renames.
    peer.send({ do: 'announce', hostName: 'twin.local', addresses: ['10.213.0.12'], answer: true })
    await relay.waitForStderr(/another host answers for twin\.local too; probing the name again[\s\S]*twin\.local is another machine's name; renamed to twin-2\.local/, 15_000, conflictSeen)
    await relay.waitForLine(/mDNS: advertising "Switchboard on twin" \(_lf-relay\._tcp\) as twin-2\.local/, 15_000)
    // The model names twin-2.local as soon as the relay renamed; its probe and announcement follow.
    const deadline = Date.now() + 10_000
    let seen: [string, string | undefined, string[] | undefined][] = []
    do seen = (await zeroconfBrowse(h3)).map(service => [service.name, service.server, service.addresses])
    while (seen[0]?.[1] !== 'twin-2.local.' && Date.now() < deadline)
    expect(seen).toEqual([['Switchboard on twin._lf-relay._tcp.local.', 'twin-2.local.', ['10.213.0.11']]])
  }, 60_000)
})
