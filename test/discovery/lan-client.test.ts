/**
 * The drop-in Client's behaviour, on loopback: real relays on 127.0.0.1, announced to the client
 * library by a scripted mDNS socket (no multicast at all), so that relays can appear, take over,
 * say goodbye and crash on cue. The same behaviour across real hosts is in lan.test.ts.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { Client, RelayBrowser, type PeerEventPayload } from '@switchboard/lan-client'
import { WIRE_PROTOCOL } from '@switchboard/lan-mdns'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RelayServer } from '../../src-main/relay/relay-server.js'
import { CertificateKeeper } from '../../src-main/tls/certificate-keeper.js'
import { LocalCa } from '../../src-main/tls/local-ca.js'
import { eventually, startRelay } from '../helpers/relay.js'
import { ScriptedMdns, type ScriptedRelay } from './helpers/scripted-mdns.js'

interface Recorded {
  client: Client
  log: string[]
  messages: string[]
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function relayOnLoopback(name: string, fields: { priority?: number; startedAt: number }): Promise<{ relay: RelayServer; announced: ScriptedRelay }> {
  const { relay, port } = await startRelay()
  cleanups.push(() => relay.close())
  const txt = { proto: WIRE_PROTOCOL, version: 'test', id: `id-${name}`, path: '/', tokenRequired: false, priority: fields.priority ?? 0, startedAt: fields.startedAt }
  return { relay, announced: { name: `Switchboard on ${name}`, hostName: `${name}.local`, port, txt, addresses: ['127.0.0.1'] } }
}

function scriptedLan(): { lan: ScriptedMdns; browser: RelayBrowser } {
  const lan = new ScriptedMdns()
  const browser = new RelayBrowser()
  browser.attach(lan)
  cleanups.push(() => browser.close())
  return { lan, browser }
}

function record(client: Client): Recorded {
  const recorded: Recorded = { client, log: [], messages: [] }
  cleanups.push(() => client.disconnectServer())
  client.on('relay-change', relay => recorded.log.push(`relay-change ${relay.id}`))
  client.on('server-connect', () => recorded.log.push(`server-connect ${client.url}`))
  client.on('server-disconnect', () => recorded.log.push('server-disconnect'))
  client.on('peer-connect', ({ peerId, documentId, socket }: PeerEventPayload) => {
    recorded.log.push(`peer-connect ${peerId} ${documentId}`)
    socket.addEventListener('message', (event: { data: unknown }) => recorded.messages.push(String(event.data)))
  })
  client.on('peer-disconnect', ({ peerId, documentId }: PeerEventPayload) => recorded.log.push(`peer-disconnect ${peerId} ${documentId}`))
  return recorded
}

const count = (recorded: Recorded, entry: string) => recorded.log.filter(line => line === entry).length

async function pipeBetween(a: Recorded, b: Recorded, documentId: string, times = 1): Promise<void> {
  await eventually(() => count(a, `peer-connect ${b.client.peerId} ${documentId}`) >= times && count(b, `peer-connect ${a.client.peerId} ${documentId}`) >= times, 5_000, 'the pipe')
  const text = `hi ${times}`
  a.client.get(b.client.peerId, documentId)!.send(text)
  await eventually(() => b.messages.includes(text), 5_000, `"${text}" delivered`)
}

describe('drop-in Client', () => {
  test('with a url it is the published Client: it connects there and looks for nothing', async () => {
    const { relay } = await relayOnLoopback('fixed', { startedAt: 1 })
    const alice = record(new Client({ url: relay.listening!.url, peerId: 'alice', documentIds: ['doc'] }))
    const bob = record(new Client({ url: relay.listening!.url, peerId: 'bob', documentIds: ['doc'] }))
    await pipeBetween(alice, bob, 'doc')
    expect(alice.client.url).toBe(relay.listening!.url)
    expect(alice.client.relay).toBeUndefined()
    expect(alice.client.open).toBe(true)
    expect(alice.client.has('bob', 'doc')).toBe(true)
  })

  test('without a url it waits for a relay, connects to the one the rule picks, and keeps its documents', async () => {
    const { lan, browser } = scriptedLan()
    const young = await relayOnLoopback('young', { startedAt: 2_000 })
    const old = await relayOnLoopback('old', { startedAt: 1_000 })
    const alice = record(new Client({ peerId: 'alice', documentIds: ['doc'], discovery: { browser } }))
    alice.client.join('later')
    expect(alice.client.open).toBe(false)
    expect(alice.client.url).toBeUndefined()
    lan.announce(young.announced)
    lan.announce(old.announced)
    const bob = record(new Client({ peerId: 'bob', documentIds: ['doc', 'later'], discovery: { browser } }))
    await pipeBetween(alice, bob, 'doc')
    await pipeBetween(alice, bob, 'later')
    // Both are on the relay that started first, whatever order they heard of them in.
    expect(alice.client.relay?.id).toBe('id-old')
    expect(bob.client.relay?.id).toBe('id-old')
    expect(old.relay.snapshot().counts.peers).toBe(2)
    expect(young.relay.snapshot().counts.peers).toBe(0)
  })

  test('a relay with a higher priority takes every client over; when it says goodbye they go back', async () => {
    const { lan, browser } = scriptedLan()
    const usual = await relayOnLoopback('usual', { startedAt: 1_000 })
    const preferred = await relayOnLoopback('preferred', { startedAt: 5_000, priority: 10 })
    lan.announce(usual.announced)
    const alice = record(new Client({ peerId: 'alice', documentIds: ['doc'], discovery: { browser } }))
    const bob = record(new Client({ peerId: 'bob', documentIds: ['doc'], discovery: { browser } }))
    await pipeBetween(alice, bob, 'doc')

    lan.announce(preferred.announced)
    await pipeBetween(alice, bob, 'doc', 2)
    expect(preferred.relay.snapshot().counts.peers).toBe(2)
    // The app heard its old pipe and its old connection end before the new ones began.
    expect(alice.log).toEqual([
      'relay-change id-usual',
      `server-connect ws://127.0.0.1:${usual.announced.port}`,
      'peer-connect bob doc',
      'server-disconnect',
      'peer-disconnect bob doc',
      'relay-change id-preferred',
      `server-connect ws://127.0.0.1:${preferred.announced.port}`,
      'peer-connect bob doc',
    ])

    lan.goodbye(preferred.announced)
    await pipeBetween(alice, bob, 'doc', 3)
    expect(alice.client.relay?.id).toBe('id-usual')
  })

  test('when its relay crashes, the client confirms it is gone and moves to the next; with none left it keeps trying', async () => {
    const { lan, browser } = scriptedLan()
    const first = await relayOnLoopback('first', { startedAt: 1_000 })
    const second = await relayOnLoopback('second', { startedAt: 2_000 })
    lan.announce(first.announced)
    lan.announce(second.announced)
    const alice = record(new Client({ peerId: 'alice', documentIds: ['doc'], discovery: { browser } }))
    const bob = record(new Client({ peerId: 'bob', documentIds: ['doc'], discovery: { browser } }))
    await pipeBetween(alice, bob, 'doc')

    lan.silence(first.announced)
    const crashed = Date.now()
    await first.relay.close()
    await pipeBetween(alice, bob, 'doc', 2)
    expect(alice.client.relay?.id).toBe('id-second')
    expect(Date.now() - crashed).toBeLessThan(3_000)

    // The last relay goes too: nothing to move to, so the client stays with it and retries.
    lan.silence(second.announced)
    await second.relay.close()
    await eventually(() => browser.relays.length === 0, 3_000, 'the browser to drop the second relay')
    expect(alice.client.relay?.id).toBe('id-second')
    expect(alice.client.open).toBe(false)
  })
})

describe('drop-in Client: a relay that pins its CA in TXT (tls=1, ca=...)', () => {
  /** A relay serving wss:// with a certificate from a CA of its own, announced with that CA's pin (or another). */
  async function tlsRelayOnLoopback(name: string, pin?: (fingerprint: string) => string, port = 0) {
    const folder = mkdtempSync(join(tmpdir(), 'sb-lan-client-tls-'))
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }))
    const ca = await LocalCa.open(join(folder, 'ca'))
    const { identity } = await new CertificateKeeper(ca).update({ dnsNames: [`${name}.local`], ips: ['127.0.0.1'] })
    const relay = new RelayServer({ host: '127.0.0.1', port, tls: identity })
    const listening = await relay.listen()
    cleanups.push(() => relay.close())
    const tlsCa = (pin ?? (fingerprint => fingerprint))(ca.fingerprint).slice(0, 16)
    const txt = { proto: WIRE_PROTOCOL, version: 'test', id: `id-${name}`, path: '/', tokenRequired: false, priority: 0, startedAt: 1_000, tlsCa }
    return { relay, identity, announced: { name: `Switchboard on ${name}`, hostName: `${name}.local`, port: listening.port, txt, addresses: ['127.0.0.1'] } }
  }

  test('the client checks the CA it downloads against the pin and connects over wss:// verified against it', async () => {
    const { lan, browser } = scriptedLan()
    const pinned = await tlsRelayOnLoopback('pinned')
    lan.announce(pinned.announced)
    const alice = record(new Client({ peerId: 'alice', documentIds: ['doc'], discovery: { browser } }))
    const bob = record(new Client({ peerId: 'bob', documentIds: ['doc'], discovery: { browser } }))
    await pipeBetween(alice, bob, 'doc')
    expect(alice.client.url).toBe(`wss://127.0.0.1:${pinned.announced.port}`)
    expect(alice.log).toContain(`server-connect wss://127.0.0.1:${pinned.announced.port}`)
    // Two introduction sockets and two pipe sockets, every one a TLS handshake on the relay.
    expect(pinned.relay.snapshot().tls.handshakes).toBeGreaterThanOrEqual(4)
    expect(pinned.relay.snapshot().counts.peers).toBe(2)
  })

  test('a CA that does not match the pin is an error, and nothing is sent to that relay', async () => {
    const { lan, browser } = scriptedLan()
    const impostor = await tlsRelayOnLoopback('impostor', fingerprint => `${fingerprint[0] === '0' ? '1' : '0'}${fingerprint.slice(1)}`)
    const client = new Client({ peerId: 'carol', documentIds: ['doc'], discovery: { browser } })
    const carol = record(client)
    const errors: Error[] = []
    client.on('error', error => errors.push(error as Error))
    lan.announce(impostor.announced)
    await eventually(() => errors.length > 0, 5_000, 'the pin mismatch')
    expect(errors[0]!.message).toMatch(/serves a CA whose SHA-256 starts .* not connecting/)
    expect(client.url).toBeUndefined()
    expect(impostor.relay.snapshot().tls.handshakes).toBe(0)
    expect(impostor.relay.snapshot().counts.peers).toBe(0)
    expect(carol.log).toEqual(['relay-change id-impostor'])
  })

  test('when the relay does not answer yet, the client keeps trying and connects once it does, on the address that served the CA', async () => {
    const { lan, browser } = scriptedLan()
    const first = await tlsRelayOnLoopback('restarting')
    await first.relay.close()
    const client = new Client({ peerId: 'dave', documentIds: ['doc'], discovery: { browser } })
    const dave = record(client)
    const errors: Error[] = []
    client.on('error', error => errors.push(error as Error))
    // 127.0.0.2 refuses (the relay listens on 127.0.0.1 only): the CA comes from the second address, so the tunnel must dial that one.
    lan.announce({ ...first.announced, addresses: ['127.0.0.2', '127.0.0.1'] })
    await eventually(() => errors.length > 0, 5_000, 'the refused CA download')
    expect(errors[0]!.message).toMatch(/could not fetch the CA/)
    const back = new RelayServer({ host: '127.0.0.1', port: first.announced.port, tls: first.identity })
    await back.listen()
    cleanups.push(() => back.close())
    await eventually(() => client.open, 15_000, 'the connection once the relay is back')
    expect(client.url).toBe(`wss://127.0.0.1:${first.announced.port}`)
    expect(back.snapshot().tls.handshakes).toBeGreaterThanOrEqual(1)
    expect(back.snapshot().counts.peers).toBe(1)
    expect(dave.log).toEqual(['relay-change id-restarting', `server-connect ${client.url}`])
  })
})
