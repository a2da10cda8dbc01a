/**
 * The relay listens before its certificate is made: plain connections are served at once, TLS
 * connections that arrive meanwhile wait for the certificate and then complete a verified
 * handshake, and when it cannot be made they are refused with the reason, logged and counted.
 */
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { TlsOrPlainListener, type TlsIdentity, type TlsRefusal } from '../../src-main/relay/tls-or-plain.js'
import { CertificateKeeper } from '../../src-main/tls/certificate-keeper.js'
import { LocalCa } from '../../src-main/tls/local-ca.js'
import { MonitorClient } from '../dashboard/monitor-client.js'
import { killLeftoverCliProcesses, startCliRelay } from '../helpers/processes.js'
import { fetchBytes } from '../helpers/tls.js'

let dir: string
let identity: TlsIdentity
let caPem: string
const listeners: TlsOrPlainListener[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-tls-wait-'))
  const ca = await LocalCa.open(join(dir, 'ca'))
  caPem = ca.pem
  identity = (await new CertificateKeeper(ca).update({ dnsNames: ['localhost'], ips: ['127.0.0.1'] })).identity
})
afterEach(async () => {
  await Promise.all(listeners.splice(0).map(listener => listener.close()))
  await killLeftoverCliProcesses()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The relay's one-port listener in front of an HTTP server that answers "ok", with TLS coming. */
async function listenWithTlsComing(handshakeTimeoutMs = 10_000): Promise<{ listener: TlsOrPlainListener; port: number; refusals: TlsRefusal[]; firstBytes: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.end('ok'))
  const refusals: TlsRefusal[] = []
  const listener = new TlsOrPlainListener(server, { handshakeTimeoutMs: () => handshakeTimeoutMs, refused: refusal => refusals.push(refusal) })
  listeners.push(listener)
  listener.expectIdentity()
  const port = await listener.listen(0, '127.0.0.1')
  // Added after the listener's own: it runs once the listener has read the connection's first bytes and decided.
  const firstBytes = () => new Promise<void>(resolve => listener.server.once('connection', (socket: net.Socket) => socket.once('data', () => resolve())))
  return { listener, port, refusals, firstBytes }
}

describe('TLS while the certificate is being made', () => {
  test('a TLS client that arrives first waits, then gets a verified handshake; plain HTTP is served meanwhile', async () => {
    const { listener, port, refusals, firstBytes } = await listenWithTlsComing()
    const hello = firstBytes()
    const secure = fetchBytes(`https://127.0.0.1:${port}/`, { ca: caPem, servername: 'localhost' })
    await hello
    const plain = await fetchBytes(`http://127.0.0.1:${port}/`)
    expect([plain.status, plain.body.toString()]).toEqual([200, 'ok'])
    expect(listener.tls).toBeUndefined()

    listener.setIdentity(identity)
    const reply = await secure
    expect([reply.status, reply.body.toString()]).toEqual([200, 'ok'])
    expect(listener.handshakes).toBe(1)
    expect(refusals).toEqual([])
  })

  test('when the certificate cannot be made, a waiting TLS client and later ones are refused with the reason', async () => {
    const { listener, port, refusals, firstBytes } = await listenWithTlsComing()
    const hello = firstBytes()
    const waiting = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: caPem })
    const failed = once(waiting, 'error') as Promise<[NodeJS.ErrnoException]>
    await hello
    listener.unavailable('the CA folder cannot be written')
    expect((await failed)[0].code).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')

    const later = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: caPem })
    expect(((await once(later, 'error')) as [NodeJS.ErrnoException])[0].code).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')
    const refusal = { kind: 'tlsOff', address: '127.0.0.1', detail: 'TLS is off on this relay; use ws:// or http:// (its certificate could not be made: the CA folder cannot be written)' }
    expect(refusals).toEqual([refusal, refusal])
  })

  test('a TLS client is not held longer than the handshake timeout while no certificate comes', async () => {
    const { port, refusals, firstBytes } = await listenWithTlsComing(300)
    const hello = firstBytes()
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: caPem })
    const dropped = once(socket, 'error') as Promise<[NodeJS.ErrnoException]>
    await hello
    expect((await dropped)[0].code).toBe('ECONNRESET')
    expect(refusals).toEqual([{ kind: 'tlsHandshake', address: '127.0.0.1', detail: 'no TLS handshake within 300 ms: the certificate was not ready' }])
  })

  test('the relay whose CA cannot be made says so, and refuses TLS clients with the reason, logged and counted', async () => {
    // A file where the CA's folder must go.
    const configDir = join(dir, 'blocked')
    mkdirSync(configDir)
    writeFileSync(join(configDir, 'ca'), 'not a folder')
    const relay = await startCliRelay(['--no-advertise', '--config-dir', configDir])
    await relay.cli.waitForLine(/^ {2}dashboard: /)
    expect(relay.cli.stderr).toMatch(/^switchboard: TLS \(wss:\/\/\) is off: /m)

    const socket = tls.connect({ port: relay.port, host: '127.0.0.1', servername: 'localhost' })
    expect(((await once(socket, 'error')) as [NodeJS.ErrnoException])[0].code).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')
    await relay.cli.waitForLine(/refusal 1015 TLS refused: TLS is off on this relay; use ws:\/\/ or http:\/\/ \(its certificate could not be made: ENOTDIR.* from=127\.0\.0\.1/)
    const monitor = new MonitorClient(`ws://127.0.0.1:${relay.port}`)
    try {
      const state = await monitor.waitFor(state => state.stats !== undefined, 'a snapshot')
      expect(state.stats!.totals.refusalsByKind).toEqual({ tlsOff: 1 })
    } finally {
      await monitor.close()
    }
  })
})
