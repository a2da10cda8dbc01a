/**
 * `lf-relay.local`: the relay every client picks answers for it, and the name moves with the pick.
 * Four hosts on one link; python-zeroconf on h4 asks for the name every 200 ms with fresh queries
 * (agents/zeroconf_check.py ask) and logs every answer with its sender, so that two relays answering
 * at once, or an old holder answering after the new one, would show. The steps run in order:
 *   A starts (the pick) → B starts (not the pick, never answers) → A leaves (B takes the name) →
 *   C starts with a higher priority (B yields, C takes the name).
 */
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { describeOnLan, lanCapability, PYTHON, type Host } from '../helpers/netns.js'
import { NsProcess, startRelay, zeroconfResolve, type AgentEvent } from '../helpers/ns-process.js'
import { lanFixture } from '../helpers/lan-fixture.js'

const capability = await lanCapability()
const measured = (what: string, ms: number) => console.log(`MEASURED: ${what}: ${ms} ms`)

const HOLDS = /mDNS: answering for lf-relay\.local/
const GAVE_UP = /mDNS: no longer answering for lf-relay\.local/

describeOnLan(capability, 'lf-relay.local follows the relay clients pick (network namespaces)', () => {
  const fixture = lanFixture({ hosts: 4 }, 'switchboard-well-known-')
  let h1: Host, h2: Host, h3: Host, h4: Host
  let asker: NsProcess
  let relayA: NsProcess, relayB: NsProcess, relayC: NsProcess

  const answers = () => asker.events.filter(event => event.event === 'answer')
  /** The first live answer from `address` after answer number `after`. */
  const liveAnswerFrom = (address: string, after: number, timeoutMs: number) =>
    asker.waitForEvent(event => event.event === 'answer' && event.from === address && (event.ttl as number) > 0, timeoutMs, after, `a live answer from ${address}`)

  /**
   * The answers heard, in order, as runs: [sender, 'live' | 'goodbye']. A relay that hands the name
   * on says goodbye before the next one answers, and never answers again.
   */
  function runs(events: AgentEvent[]): string[] {
    const out: string[] = []
    for (const event of events) {
      const run = `${String(event.from)} ${(event.ttl as number) > 0 ? 'live' : 'goodbye'}`
      if (out.at(-1) !== run) out.push(run)
    }
    return out
  }

  beforeAll(async () => {
    ;[h1, h2, h3, h4] = fixture.hosts as [Host, Host, Host, Host]
    asker = new NsProcess(h4, [PYTHON, 'test/discovery/agents/zeroconf_check.py', 'ask', 'lf-relay.local.'])
    await asker.waitForEvent(event => event.event === 'ready', 15_000)
  })

  test('the first relay on the LAN answers for lf-relay.local, with the addresses of its host name, after probing', async () => {
    relayA = startRelay(h1, { hostname: 'relay-a', idFile: join(fixture.dir, 'a-id') })
    await relayA.waitForLine(HOLDS, 30_000)
    await liveAnswerFrom('10.213.0.11', 0, 10_000)
    expect(await zeroconfResolve(h3, 'lf-relay.local.')).toEqual(['10.213.0.11'])
  }, 45_000)

  test('a relay that starts later is not the pick and never answers for it', async () => {
    relayB = startRelay(h2, { hostname: 'relay-b', idFile: join(fixture.dir, 'b-id') })
    await relayB.waitForLine(/mDNS: other relays on the LAN: "Switchboard on relay-a" .*; clients pick "Switchboard on relay-a"/, 30_000)
    const from = answers().length
    // A few more rounds of questions, all answered by A alone.
    await asker.waitForEvent(event => event.event === 'answer', 10_000, from + 5)
    expect(new Set(answers().map(event => event.from))).toEqual(new Set(['10.213.0.11']))
    expect(relayB.lines.filter(line => HOLDS.test(line))).toEqual([])
  }, 45_000)

  test('when the pick leaves, its goodbye frees the name and the next pick answers for it', async () => {
    const from = answers().length
    const stopping = Date.now()
    await relayA.stop('SIGTERM')
    const taken = await liveAnswerFrom('10.213.0.12', from, 15_000)
    measured('SIGTERM to the pick → lf-relay.local answered by the next pick (python-zeroconf asking every 200 ms)', taken.at - stopping)
    expect(runs(answers().slice(from))).toEqual(['10.213.0.11 goodbye', '10.213.0.12 live'])
    expect(await zeroconfResolve(h3, 'lf-relay.local.')).toEqual(['10.213.0.12'])
  }, 45_000)

  test('when a relay with a higher priority starts, the old pick says goodbye first and the new one takes the name', async () => {
    const from = answers().length
    relayC = startRelay(h3, { hostname: 'relay-c', idFile: join(fixture.dir, 'c-id'), args: ['--priority', '5'] })
    const { seenAt: advertisedAt } = await relayC.waitForLine(/mDNS: advertising "Switchboard on relay-c"/, 30_000)
    const taken = await liveAnswerFrom('10.213.0.13', from, 15_000)
    measured('higher-priority relay announced → lf-relay.local answered by it', taken.at - advertisedAt)
    await relayB.waitForLine(GAVE_UP, 5_000)
    const moved = runs(answers().slice(from))
    expect(moved.slice(moved[0] === '10.213.0.12 live' ? 1 : 0)).toEqual(['10.213.0.12 goodbye', '10.213.0.13 live'])
    expect(await zeroconfResolve(h1, 'lf-relay.local.')).toEqual(['10.213.0.13'])
  }, 45_000)

  test('over the whole run the name never had two live answerers at once', () => {
    const sequence = runs(answers()).filter(run => run.endsWith('live'))
    expect(sequence).toEqual(['10.213.0.11 live', '10.213.0.12 live', '10.213.0.13 live'])
  })
})
