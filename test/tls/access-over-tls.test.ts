/**
 * The access token and the admin rules hold over TLS exactly as over plain connections, and a
 * dashboard session signed in over https gets a cookie that never travels over plain http.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { MONITOR_PATH, SIGN_IN_PATH } from '../../shared/monitoring.js'
import { CA_CERT_PATH } from '../../shared/relay-model.js'
import { RelayNode } from '../../src-main/node/relay-node.js'
import { RecordingDiscovery, nodeOptions } from '../helpers/node.js'
import { refusedUpgrade } from '../helpers/processes.js'
import { RawPeer } from '../helpers/relay.js'
import { downloadCaPem, fetchBytes } from '../helpers/tls.js'

const ACCESS_TOKEN = 'office-access-token-1'
const ADMIN_TOKEN = 'the admin token, long enough'
/** A browser on another device names the relay by a host name, not loopback. */
const REMOTE_HOST = 'lf-relay.local'

let dir: string
let node: RelayNode | undefined
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-tls-access-'))
})
afterEach(async () => {
  await node?.stop()
  node = undefined
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function start() {
  node = new RelayNode(nodeOptions({ accessToken: ACCESS_TOKEN, adminToken: ADMIN_TOKEN }), {
    dashboardFiles: new Map([['/', { body: Buffer.from('<!doctype html><title>dashboard</title>'), contentType: 'text/html; charset=utf-8', immutable: false }]]),
    startDiscovery: new RecordingDiscovery().start,
    tls: { caDirectory: join(dir, 'ca') },
  })
  const { port } = await node.start()
  return { port, ca: await downloadCaPem(port) }
}

const signIn = (origin: string, ca: string) =>
  fetchBytes(`${origin}${SIGN_IN_PATH}`, {
    method: 'POST',
    ca,
    servername: 'localhost',
    headers: { Host: REMOTE_HOST, Origin: `${origin.split('://')[0]}://${REMOTE_HOST}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
  })

test('signing in over https sets a Secure session cookie; over http the cookie stays as it was', async () => {
  const { port, ca } = await start()
  const secure = await signIn(`https://localhost:${port}`, ca)
  expect(secure.status).toBe(303)
  const secureCookie = ([] as string[]).concat(secure.headers['set-cookie'] ?? [])[0]!
  expect(secureCookie.split('; ')).toContain('Secure')
  expect(secureCookie.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict']))

  const plain = await signIn(`http://127.0.0.1:${port}`, ca)
  expect(plain.status).toBe(303)
  expect(([] as string[]).concat(plain.headers['set-cookie'] ?? [])[0]!.split('; ')).not.toContain('Secure')

  // Without the session another device sees the public page over https too, never the dashboard.
  const page = await fetchBytes(`https://localhost:${port}/`, { ca, headers: { Host: REMOTE_HOST } })
  expect(page.body.toString()).not.toContain('<title>dashboard</title>')
  const withSession = await fetchBytes(`https://localhost:${port}/`, { ca, headers: { Host: REMOTE_HOST, Cookie: secureCookie.split(';')[0]! } })
  expect(withSession.body.toString()).toContain('<title>dashboard</title>')
})

test('over wss:// the access token is asked for as over ws://, and the monitoring feed keeps its admin rule', async () => {
  const { port, ca } = await start()
  const tlsOptions = { ca, servername: 'localhost' }
  expect(await refusedUpgrade(new RawPeer(`wss://127.0.0.1:${port}/introduction/no-token`, tlsOptions))).toMatchObject({ status: 401 })
  expect(await refusedUpgrade(new RawPeer(`wss://127.0.0.1:${port}/wrong-token-123/introduction/bad-token`, tlsOptions))).toMatchObject({ status: 401 })
  const admitted = new RawPeer(`wss://127.0.0.1:${port}/${ACCESS_TOKEN}/introduction/with-token`, tlsOptions)
  await admitted.opened
  await admitted.close()
  const remoteMonitor = new RawPeer(`wss://127.0.0.1:${port}${MONITOR_PATH}`, { ...tlsOptions, headers: { Host: REMOTE_HOST } })
  expect(await refusedUpgrade(remoteMonitor)).toMatchObject({ status: 403 })
})

test('the page another device sees says over https that it worked, and over http how to check and where the CA is', async () => {
  const { port, ca } = await start()
  const overHttps = (await fetchBytes(`https://localhost:${port}/`, { ca, headers: { Host: `${REMOTE_HOST}:${port}` } })).body.toString()
  expect(overHttps).toContain('It worked: this browser reached the relay over https')
  expect(overHttps).toContain(`<code>wss://${REMOTE_HOST}:${port}</code>`)
  const overHttp = (await fetchBytes(`http://127.0.0.1:${port}/`, { headers: { Host: `${REMOTE_HOST}:${port}` } })).body.toString()
  expect(overHttp).not.toContain('It worked')
  expect(overHttp).toContain(`<a href="https://${REMOTE_HOST}:${port}/">`)
  expect(overHttp).toContain(`<a href="${CA_CERT_PATH}">`)
})
