/**
 * A LAN relay refuses sources outside the local network unless told otherwise. Two real hosts in
 * network namespaces on a public documentation range (203.0.113.0/24, TEST-NET-3): the relay on
 * one, a client on the other, so the relay really sees a public source address.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Lan, describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { killAll, nodeIn, type NsProcess } from '../helpers/ns-process.js'

const capability = await lanCapability()

describeOnLan(capability, 'a source address outside the local network', () => {
  let lan: Lan
  let relayHost: Host
  let clientHost: Host

  beforeAll(async () => {
    lan = await Lan.create({ hosts: 2, firstNetwork: '203.0.113' })
    ;[relayHost, clientHost] = lan.hosts as [Host, Host]
  })
  afterAll(async () => {
    await killAll()
    await lan?.destroy()
  })

  async function relayOn(host: Host, args: string[]): Promise<{ relay: NsProcess; port: number }> {
    const relay = nodeIn(host, 'src-main/cli/relay.ts', ['--port', '0', '--no-advertise', ...args])
    const { line } = await relay.waitForLine(/listening on ws:\/\/\S+:(\d+)/, 15_000)
    return { relay, port: Number(/listening on ws:\/\/\S+:(\d+)/.exec(line)![1]) }
  }

  async function probe(url: string): Promise<Record<string, unknown>> {
    const prober = nodeIn(clientHost, 'test/access/agents/ws-probe.ts', [url])
    await prober.exited
    return JSON.parse(prober.lines.find(line => line.startsWith('{'))!) as Record<string, unknown>
  }

  test('is refused with 403 before any WebSocket opens, and plain HTTP gets 403 too', async () => {
    const { relay, port } = await relayOn(relayHost, [])
    expect(await probe(`ws://${relayHost.ip}:${port}/introduction/outsider`)).toEqual({
      status: 403,
      body: `4403 address not allowed: ${clientHost.ip} is outside the local network, and this relay serves only its LAN`,
    })
    expect(await probe(`ws://${relayHost.ip}:${port}/connection/a/b/doc`)).toMatchObject({ status: 403 })
    expect(await probe(`http://${relayHost.ip}:${port}/`)).toMatchObject({ status: 403, body: expect.stringMatching(/^4403 address not allowed/) })
    // The refusal is logged with its code (the relay prints refusals by default).
    await relay.waitForLine(new RegExp(`refusal HTTP 403 \\(4403\\) .*from=${clientHost.ip.replaceAll('.', '\\.')}`), 5_000)
    await relay.stop()
  })

  test('is accepted with --allow-public', async () => {
    const { relay, port } = await relayOn(relayHost, ['--allow-public'])
    expect(await probe(`ws://${relayHost.ip}:${port}/introduction/outsider`)).toEqual({ open: true })
    expect(await probe(`http://${relayHost.ip}:${port}/health`)).toMatchObject({ status: 200 })
    await relay.stop()
  })
})
