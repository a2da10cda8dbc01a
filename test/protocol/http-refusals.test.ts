/**
 * Upgrades that are refused before any WebSocket opens: by the relay (a missing access token), by
 * the dashboard (a page under a foreign name asking for the monitoring feed) and by the monitoring
 * feed (too many dashboards). Each is one complete HTTP answer, and the relay lets go of the
 * connection even when the client never closes its side.
 */
import net from 'node:net'
import { afterEach, expect, test } from 'vitest'
import { MONITOR_PATH } from '../../shared/monitoring.js'
import { DashboardExtension } from '../../src-main/monitoring/dashboard-extension.js'
import { RelayServer } from '../../src-main/relay/relay-server.js'
import { MonitorClient } from '../dashboard/monitor-client.js'

let relay: RelayServer | undefined
const monitors: MonitorClient[] = []
const halfOpen: net.Socket[] = []

afterEach(async () => {
  for (const client of monitors.splice(0)) client.socket.terminate()
  for (const socket of halfOpen.splice(0)) socket.destroy()
  await relay?.close()
  relay = undefined
})

interface Refusal {
  status: number
  headers: Record<string, string>
  body: string
}

/** Asks for an upgrade and reads the answer to its end, keeping its own side of the connection open. */
async function refusedKeepingOpen(port: number, path: string, host = `127.0.0.1:${port}`): Promise<Refusal> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true })
  halfOpen.push(socket)
  socket.on('error', () => {})
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await new Promise<void>(resolve => socket.once('end', () => resolve()))
  const text = Buffer.concat(chunks).toString()
  const split = text.indexOf('\r\n\r\n')
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n')
  const headers = Object.fromEntries(lines.map(line => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4) }
}

const plainAnswer = (body: string) => ({
  connection: 'close',
  'content-type': 'text/plain; charset=utf-8',
  'content-length': String(Buffer.byteLength(body)),
})

test('every refused upgrade gets a status, a plain-text reason with its length, and a closed connection', async () => {
  relay = new RelayServer({ host: '127.0.0.1', port: 0, access: { token: 'open sesame' } })
  relay.use(new DashboardExtension(relay, { files: new Map() }))
  const { url, port } = await relay.listen()

  const noToken = await refusedKeepingOpen(port, '/introduction/alice')
  expect(noToken).toEqual({ status: 401, headers: plainAnswer(noToken.body), body: '4401 access token required: no token given\n' })

  const rebound = await refusedKeepingOpen(port, MONITOR_PATH, `rebound.example:${port}`)
  expect(rebound).toEqual({
    status: 403,
    headers: plainAnswer(rebound.body),
    body: 'the monitoring feed answers this machine, or the admin token\n',
  })

  // The feed takes a bounded number of dashboards; one more is turned away, the others stay.
  let refused = false
  while (!refused && monitors.length < 100) {
    const client = new MonitorClient(url)
    monitors.push(client)
    await client.opened.catch(() => (refused = true))
  }
  expect(monitors.at(-1)!.refusedStatus).toBe(503)
  const tooMany = await refusedKeepingOpen(port, MONITOR_PATH)
  expect(tooMany).toEqual({ status: 503, headers: plainAnswer(tooMany.body), body: 'too many dashboards are open\n' })
  expect(monitors.slice(0, -1).every(client => client.socket.readyState === client.socket.OPEN)).toBe(true)

  // A refused connection the relay still held would keep its port, and so close(), waiting.
  let timer: NodeJS.Timeout | undefined
  const stuck = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('relay.close() waited on a refused connection')), 5_000)))
  await Promise.race([relay.close(), stuck]).finally(() => clearTimeout(timer))
})
