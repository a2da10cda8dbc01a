/**
 * The relay's own CA and the certificate it presents, checked the way a client meets them: over a
 * real TLS connection to the relay's port, verified against the CA it serves.
 */
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { X509Certificate, createHash } from 'node:crypto'
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest'
import { WebSocket, type ClientOptions } from 'ws'
import { CA_CERT_PATH } from '../../shared/relay-model.js'
import { hostLabel } from '../../src-main/discovery/advertiser.js'
import { RelayNode, type RelayNodeHooks } from '../../src-main/node/relay-node.js'
import { CertificateKeeper } from '../../src-main/tls/certificate-keeper.js'
import { LocalCa } from '../../src-main/tls/local-ca.js'
import { httpRequest } from '../dashboard/monitor-client.js'
import { altNames, fetchBytes, handshake } from '../helpers/tls.js'
import { RecordingDiscovery, nodeOptions } from '../helpers/node.js'

const DAY_MS = 24 * 60 * 60 * 1000
let dir: string
const nodes: RelayNode[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-tls-certs-'))
})
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(node => node.stop()))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function startNode(caDirectory: string, options: Parameters<typeof nodeOptions>[0] = {}, tlsHooks: RelayNodeHooks['tls'] = {}) {
  const node = new RelayNode(nodeOptions({ host: undefined, ...options }), {
    dashboardFiles: new Map(),
    startDiscovery: new RecordingDiscovery().start,
    tls: { caDirectory, ...tlsHooks },
  })
  nodes.push(node)
  const { port } = await node.start()
  return { node, port }
}

/** The CA as any device on the LAN downloads it. */
async function downloadCa(port: number): Promise<{ status: number; type: string | undefined; der: Buffer }> {
  const reply = await fetchBytes(`http://127.0.0.1:${port}${CA_CERT_PATH}`)
  return { status: reply.status, type: reply.headers['content-type'], der: reply.body }
}

const pemOf = (der: Buffer) => new X509Certificate(der).toString()

test('first start makes a CA in the config folder, key readable by its owner only, and serves it in DER to the LAN', async () => {
  const caDirectory = join(dir, 'first', 'ca')
  const { node, port } = await startNode(caDirectory)
  expect(statSync(join(caDirectory, 'ca.key')).mode & 0o777).toBe(0o600)
  expect(statSync(caDirectory).mode & 0o777).toBe(0o700)

  const served = await downloadCa(port)
  expect(served.status).toBe(200)
  expect(served.type).toBe('application/x-x509-ca-cert')
  const ca = new X509Certificate(served.der)
  expect(ca.ca).toBe(true)
  expect(ca.toString()).toBe(new X509Certificate(readFileSync(join(caDirectory, 'ca.crt'))).toString())
  // The model shows the fingerprint devices see when they install it.
  const snapshot = node.relay!.snapshot()
  expect(snapshot.tls).toMatchObject({ enabled: true, ca: { fingerprint: createHash('sha256').update(served.der).digest('hex'), path: CA_CERT_PATH } })
  expect(snapshot.tls.urls).toEqual(snapshot.urls.map(url => url.replace('ws://', 'wss://')))
  // The key is nowhere the relay serves.
  const key = readFileSync(join(caDirectory, 'ca.key'), 'utf8')
  for (const path of [CA_CERT_PATH, '/_switchboard/ca.key', '/health', '/']) expect((await httpRequest(port, { path })).body).not.toContain(key.split('\n')[1])
})

test('the server certificate names lf-relay.local, <host>.local and every offered address, and chains to the CA', async () => {
  const { node, port } = await startNode(join(dir, 'names', 'ca'))
  const caPem = pemOf((await downloadCa(port)).der)
  const { authorized, certificate } = await handshake(port, { ca: caPem, servername: 'lf-relay.local' })
  expect(authorized).toBe(true)
  expect(certificate.issuerCertificate.fingerprint256).toBe(new X509Certificate(caPem).fingerprint256)

  const names = altNames(certificate)
  const offered = node.relay!.snapshot().urls.map(url => new URL(url).hostname.replace(/^\[|\]$/g, ''))
  expect(names).toEqual(expect.arrayContaining(['lf-relay.local', `${hostLabel(hostname()).toLowerCase()}.local`, 'localhost', '127.0.0.1']))
  expect(offered.length).toBeGreaterThan(0)
  // Node writes IPv6 in the certificate in its own long form; the client's own check reads it.
  for (const host of offered) expect(tls.checkServerIdentity(host, certificate), host).toBeUndefined()
  // Each name verifies on its own, as a browser checks the one in its URL.
  for (const servername of ['lf-relay.local', `${hostLabel(hostname()).toLowerCase()}.local`, 'localhost']) {
    expect((await handshake(port, { ca: caPem, servername })).authorized, servername).toBe(true)
  }
  expect(tls.checkServerIdentity('127.0.0.1', certificate)).toBeUndefined()
  expect(tls.checkServerIdentity('example.com', certificate)).toBeInstanceOf(Error)
  // A client that trusts another CA does not trust this relay.
  const other = await startNode(join(dir, 'names-other', 'ca'))
  const otherCa = pemOf((await downloadCa(other.port)).der)
  expect((await handshake(port, { ca: otherCa, servername: 'lf-relay.local' })).authorized).toBe(false)
})

test('a restart reuses the CA: devices that trusted it keep trusting the relay', async () => {
  const caDirectory = join(dir, 'restart', 'ca')
  const first = await startNode(caDirectory)
  const before = await downloadCa(first.port)
  await first.node.stop()
  const second = await startNode(caDirectory)
  const after = await downloadCa(second.port)
  expect(after.der.equals(before.der)).toBe(true)
  expect((await handshake(second.port, { ca: pemOf(before.der), servername: 'lf-relay.local' })).authorized).toBe(true)
})

test('a new name gets a new certificate at once, and a wss:// socket open on the old one stays open', async () => {
  const caDirectory = join(dir, 'rename', 'ca')
  const { node, port } = await startNode(caDirectory, { name: 'first-name' })
  const caPem = pemOf((await downloadCa(port)).der)
  const socket = new WebSocket(`wss://127.0.0.1:${port}/introduction/steady-peer`, { ca: caPem, servername: 'lf-relay.local' } as ClientOptions)
  await once(socket, 'open')
  expect(altNames((await handshake(port, { ca: caPem })).certificate)).toContain('first-name.local')

  const issued = once(node, 'certificate')
  await node.reconfigure({ ...node.options, name: 'second-name' })
  await issued
  const { authorized, certificate } = await handshake(port, { ca: caPem, servername: 'second-name.local' })
  expect(authorized).toBe(true)
  expect(altNames(certificate)).not.toContain('first-name.local')
  expect(socket.readyState).toBe(WebSocket.OPEN)
  // The socket still works: the relay's ping reaches it and is answered.
  socket.ping()
  await once(socket, 'pong')
  socket.close()
})

test('a certificate is renewed once two thirds of its life have passed, and not before', async () => {
  const { node } = await startNode(join(dir, 'renew', 'ca'))
  const keeper = new CertificateKeeper(await LocalCa.open(join(dir, 'renew', 'ca')), 30 * DAY_MS)
  const names = { dnsNames: ['lf-relay.local'], ips: ['127.0.0.1'] }
  const start = new Date()
  const first = await keeper.update(names, start)
  expect(first.issued).toBe(true)
  expect(first.identity.notAfter.getTime()).toBe(start.getTime() + 30 * DAY_MS)
  expect((await keeper.update(names, new Date(start.getTime() + 19 * DAY_MS))).issued).toBe(false)
  const renewed = await keeper.update(names, new Date(start.getTime() + 21 * DAY_MS))
  expect(renewed.issued).toBe(true)
  expect(renewed.identity.cert).not.toBe(first.identity.cert)
  // The node's CA, opened again from its folder, is the one this keeper signs with.
  expect(renewed.identity.ca.fingerprint).toBe(node.relay!.snapshot().tls.ca!.fingerprint)
  // New names need a new certificate whatever its age.
  expect((await keeper.update({ ...names, ips: ['127.0.0.1', '10.9.8.7'] }, new Date(start.getTime() + 21 * DAY_MS))).issued).toBe(true)
})

test('when the first certificate fails and a later check issues one, discovery is told, so TXT pins the CA', async () => {
  // A passing failure of the real issuer (the one part this test cannot make fail on cue), at the
  // start's one attempt (once it listens and its addresses are known).
  const issue = vi.spyOn(LocalCa.prototype, 'issue').mockRejectedValueOnce(new Error('no entropy yet'))
  try {
    const discovery = new RecordingDiscovery()
    const node = new RelayNode(nodeOptions({ host: undefined }), { dashboardFiles: new Map(), startDiscovery: discovery.start, tls: { caDirectory: join(dir, 'late', 'ca'), checkMs: 50 } })
    nodes.push(node)
    const problems: string[] = []
    node.on('problem', problem => problems.push(problem.code))
    const issued = once(node, 'certificate')
    await node.start()
    expect(problems).toEqual(['tls-failed'])
    expect(discovery.started[0]!.settings.caFingerprint).toBeUndefined()
    const [identity] = (await issued) as [{ ca: { fingerprint: string } }]
    expect(node.relay!.snapshot().tls.ca!.fingerprint).toBe(identity.ca.fingerprint)
    expect(discovery.reconfigured).toHaveLength(1)
    expect(discovery.reconfigured[0]).toMatchObject({ advertise: true, caFingerprint: identity.ca.fingerprint })
  } finally {
    issue.mockRestore()
  }
})

test('--no-tls (tls: false) serves no CA, and turning TLS on and off applies without a restart', async () => {
  const { node, port } = await startNode(join(dir, 'toggle', 'ca'), { tls: false })
  expect(node.relay!.snapshot().tls).toEqual({ enabled: false, urls: [], handshakes: 0 })
  expect((await downloadCa(port)).status).toBe(404)
  const { restarted } = await node.reconfigure({ ...node.options, tls: true })
  expect(restarted).toEqual([])
  expect((await downloadCa(port)).status).toBe(200)
  expect((await handshake(port, { servername: 'lf-relay.local' })).certificate.subject).toBeDefined()
  await node.reconfigure({ ...node.options, tls: false })
  expect(node.relay!.snapshot().tls.enabled).toBe(false)
})
