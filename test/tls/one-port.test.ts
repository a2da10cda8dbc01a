/**
 * ws:// and wss:// on the relay's one port, as users run it (the bundled CLI): published Clients of
 * both kinds interleaved under load, and connections that go wrong in TLS (a stalled handshake,
 * garbage after the first byte, TLS to a relay with TLS off) refused cleanly, logged and counted,
 * while everyone else carries on.
 */
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { CA_CERT_PATH } from '../../shared/relay-model.js'
import { MonitorClient } from '../dashboard/monitor-client.js'
import { CliProcess, fetchHealth, killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { RawPeer } from '../helpers/relay.js'
import { downloadCaPem, fetchBytes } from '../helpers/tls.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-tls-port-'))
})
afterEach(() => killLeftoverCliProcesses())
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The bundled relay with its CA in a folder of this test's own. */
const startRelay = (args: string[] = []) => startCliRelay(['--no-advertise', ...args], { XDG_CONFIG_HOME: join(dir, 'config') })

/** The relay's model, as its dashboard on this machine gets it. */
async function refusalsByKind(relay: CliRelay): Promise<Record<string, number>> {
  const monitor = new MonitorClient(`ws://127.0.0.1:${relay.port}`)
  try {
    const state = await monitor.waitFor(state => state.stats !== undefined, 'a snapshot')
    return state.stats!.totals.refusalsByKind as Record<string, number>
  } finally {
    await monitor.close()
  }
}

/** A raw TCP connection that sends `bytes` and reports when (and whether) the relay closed it. */
async function sendRaw(port: number, bytes: Buffer): Promise<{ received: Buffer; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  socket.on('data', chunk => chunks.push(chunk))
  socket.on('error', () => undefined)
  socket.write(bytes)
  const closed = once(socket, 'close').then(() => undefined)
  return {
    get received() {
      return Buffer.concat(chunks)
    },
    closed,
  }
}

describe('ws:// and wss:// on one port', () => {
  test('published Clients on ws:// and wss:// interleaved, under load, with a stalled handshake and garbage in between', async () => {
    const relay = await startRelay(['--tls-handshake-timeout-ms', '1500'])
    await relay.cli.waitForLine(new RegExp(`^  with TLS: wss://127\\.0\\.0\\.1:${relay.port} \\(same port; CA SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\\)$`))
    const caFile = join(dir, 'ca.pem')
    writeFileSync(caFile, await downloadCaPem(relay.port))

    // Bad input first, so it is in the middle of the load: a handshake that stops after the first
    // bytes, and garbage behind a TLS first byte.
    const stalled = await sendRaw(relay.port, Buffer.from([0x16, 0x03, 0x01]))
    const garbage = await sendRaw(relay.port, Buffer.concat([Buffer.from([0x16]), Buffer.from('this is no TLS record at all\r\n\r\n')]))
    const clients = new CliProcess(process.execPath, ['--import', 'tsx', 'test/tls/agents/mixed-clients.ts', String(relay.port), '12', '30'], {
      ...process.env,
      NODE_EXTRA_CA_CERTS: caFile,
      NODE_NO_WARNINGS: '1',
    })
    await garbage.closed
    await stalled.closed
    const exit = await clients.exited
    expect(exit.code, clients.stderr).toBe(0)
    const outcome = JSON.parse(clients.stdoutLines.at(-1)!) as { problems: string[]; pipes: number; messages: number }
    expect(outcome).toEqual({ problems: [], pipes: (12 * 11) / 2, messages: 12 * 11 * 30 })

    await relay.cli.waitForLine(/refusal 1015 TLS handshake failed: no TLS handshake within 1500 ms from=127\.0\.0\.1/)
    await relay.cli.waitForLine(/refusal 1015 TLS handshake failed: ERR_SSL_\w+/)
    expect(await refusalsByKind(relay)).toEqual({ tlsHandshake: 2 })
    expect((await fetchHealth(relay.port)).status).toBe('ok')
  })

  test('the dashboard page, /health, discovery and the CA answer on https:// as on http://, verified against the CA', async () => {
    const relay = await startRelay()
    const ca = await downloadCaPem(relay.port)
    for (const path of ['/', '/health', '/.well-known/lf-relay', CA_CERT_PATH]) {
      const plain = await fetchBytes(`http://127.0.0.1:${relay.port}${path}`)
      const secure = await fetchBytes(`https://localhost:${relay.port}${path}`, { ca })
      expect(secure.status, path).toBe(200)
      expect(secure.headers['content-type'], path).toBe(plain.headers['content-type'])
    }
    // A client that does not trust the CA fails (Node checks after the handshake, so it sends the relay no alert to log).
    await expect(fetchBytes(`https://localhost:${relay.port}/health`)).rejects.toThrow(/self.signed|unable to (get|verify)/i)
  })

  test('a TLS client of a relay started with --no-tls gets a handshake failure; ws:// carries on', async () => {
    const relay = await startRelay(['--no-tls'])
    await relay.cli.waitForLine(/^  TLS: off \(--no-tls\)$/)
    const peer = new RawPeer(`${relay.url}/introduction/plain-peer`)
    await peer.opened

    const socket = tls.connect({ port: relay.port, host: '127.0.0.1', servername: 'localhost' })
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException]
    expect(error.code).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')
    await relay.cli.waitForLine(/refusal 1015 TLS refused: TLS is off on this relay; use ws:\/\/ or http:\/\/ from=127\.0\.0\.1/)
    expect(await refusalsByKind(relay)).toEqual({ tlsOff: 1 })
    expect((await fetchBytes(`http://127.0.0.1:${relay.port}${CA_CERT_PATH}`)).status).toBe(404)

    expect(peer.closeCode).toBeUndefined()
    await peer.close()
  })
})
