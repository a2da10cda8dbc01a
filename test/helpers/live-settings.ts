/**
 * Every setting a running relay takes without a restart, each with a check that its new value is
 * in effect, over real sockets on loopback. The node's tests apply them through RelayNode, the
 * app's through its settings IPC; both run them in order, each on top of the ones before.
 */
import { once } from 'node:events'
import tls from 'node:tls'
import { expect } from 'vitest'
import { DISCOVERY_PATH, type DiscoveryDocument } from '../../shared/discovery.js'
import { MONITOR_PATH, SIGN_IN_PATH } from '../../shared/monitoring.js'
import type { RelayNodeOptions } from '../../shared/relay-node-options.js'
import type { RelaySnapshot } from '../../shared/relay-model.js'
import { httpRequest } from '../dashboard/monitor-client.js'
import { refusedUpgrade } from './processes.js'
import { RawPeer } from './relay.js'

export interface LiveRelay {
  port: number
  url: string
  /** The relay's model as it is now. */
  snapshot(): Promise<RelaySnapshot>
}

export interface LiveChange {
  what: string
  change: Partial<RelayNodeOptions>
  /** Asserts the new value is in effect. */
  check(relay: LiveRelay): Promise<void>
}

export const ACCESS_TOKEN = 'the-office-access-token'
const FIRST_ADMIN_TOKEN = 'first admin token'
const SECOND_ADMIN_TOKEN = 'second admin token'

/** Stands in for the relay's name as another device's browser knows it: such a request needs the admin token. */
const REMOTE_HOST = 'relay.example'

/** A session cookie from signing in, or the status of the refusal. */
async function signIn(port: number, token: string): Promise<{ status: number; cookie: string | undefined }> {
  const reply = await httpRequest(port, {
    method: 'POST',
    path: SIGN_IN_PATH,
    headers: { Host: REMOTE_HOST, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  })
  const cookie = ([] as string[]).concat(reply.headers['set-cookie'] ?? [])[0]?.split(';')[0]
  return { status: reply.status, cookie }
}

/** Another device's browser watching the monitoring feed with this session cookie. */
const remoteViewer = (port: number, cookie: string) => new RawPeer(`ws://127.0.0.1:${port}${MONITOR_PATH}`, { headers: { Host: REMOTE_HOST, Cookie: cookie } })

/** Whether the monitoring feed lets in another device's browser with this session cookie: 101 or the refusal's status. */
async function monitorAnswer(port: number, cookie: string): Promise<number> {
  const viewer = remoteViewer(port, cookie)
  const opened = await viewer.opened.then(
    () => true,
    () => false,
  )
  if (!opened) return (await refusedUpgrade(viewer)).status
  await viewer.close()
  return 101
}

let firstSession: { cookie: string; watching: RawPeer } | undefined

export const LIVE_CHANGES: LiveChange[] = [
  {
    what: 'a lowered peer limit refuses the next newcomer',
    change: { limits: { maxPeers: 100 } },
    async check({ url, snapshot }) {
      expect((await snapshot()).limits.maxPeers).toBe(100)
      expect(await refusedUpgrade(new RawPeer(`${url}/introduction/newcomer-1`))).toMatchObject({ status: 429 })
    },
  },
  {
    what: 'a new access token is asked of newcomers, while the peers already in stay',
    change: { limits: {}, accessToken: ACCESS_TOKEN },
    async check({ url, snapshot }) {
      expect((await snapshot()).access.tokenRequired).toBe(true)
      expect(await refusedUpgrade(new RawPeer(`${url}/introduction/newcomer-2`))).toMatchObject({ status: 401 })
      const withToken = new RawPeer(`${url}/${ACCESS_TOKEN}/introduction/newcomer-3`)
      await withToken.opened
      await withToken.close()
    },
  },
  {
    what: 'public addresses are accepted',
    change: { allowPublic: true },
    async check({ snapshot }) {
      expect((await snapshot()).access.allowPublic).toBe(true)
    },
  },
  {
    what: 'an admin token lets other devices sign in to the dashboard',
    change: { adminToken: FIRST_ADMIN_TOKEN },
    async check({ port }) {
      const { status, cookie } = await signIn(port, FIRST_ADMIN_TOKEN)
      expect(status).toBe(303)
      const watching = remoteViewer(port, cookie!)
      await watching.opened
      firstSession = { cookie: cookie!, watching }
    },
  },
  {
    what: 'any other change leaves a dashboard signed in on another device watching',
    change: { priority: 3 },
    async check() {
      const { watching } = firstSession!
      // The feed publishes at least once a second while anyone watches.
      await watching.waitForMessages(watching.received.length + 2)
      expect(watching.closeCode).toBeUndefined()
    },
  },
  {
    what: 'a new admin token is required at the next sign-in; the old token and its sessions fail',
    change: { adminToken: SECOND_ADMIN_TOKEN },
    async check({ port }) {
      const { status, cookie } = await signIn(port, SECOND_ADMIN_TOKEN)
      expect(status).toBe(303)
      expect(await monitorAnswer(port, cookie!)).toBe(101)
      // The session signed in with the old token is over: its open feed is cut off, and it cannot come back.
      await firstSession!.watching.closed
      expect(await monitorAnswer(port, firstSession!.cookie)).toBe(403)
      expect((await signIn(port, FIRST_ADMIN_TOKEN)).status).toBe(403)
    },
  },
  {
    what: 'a new name and priority are what the relay tells others',
    change: { name: 'studio', priority: 7 },
    async check({ port, snapshot }) {
      expect((await snapshot()).advertising.txt?.priority).toBe(7)
      const document = JSON.parse((await httpRequest(port, { path: DISCOVERY_PATH })).body) as DiscoveryDocument
      expect(document.relay).toMatchObject({ priority: 7, host: 'studio.local', tokenRequired: true })
    },
  },
  {
    what: 'advertising turns off',
    change: { advertise: false },
    async check({ snapshot }) {
      expect((await snapshot()).advertising).toMatchObject({ state: 'off', offReason: 'disabled' })
    },
  },
  {
    what: 'TLS turns off: a TLS client gets a handshake failure, and everyone on ws:// stays',
    change: { tls: false },
    async check({ port, snapshot }) {
      expect((await snapshot()).tls.enabled).toBe(false)
      const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' })
      const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException]
      expect(error.code).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')
    },
  },
]
