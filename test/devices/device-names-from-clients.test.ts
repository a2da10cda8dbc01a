/**
 * Devices in the model of the bundled relay, named by the device name lan-client sends: what an
 * admin's dashboard (the monitoring socket) shows, and how bad names are turned away.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEVICE_NAME_HEADER, DEVICE_NAME_PATH, MAX_DEVICE_NAME_LENGTH, encodeDeviceName } from '@switchboard/lan-mdns/relay-service'
import { Client } from '@switchboard/lan-client'
import { MonitorClient, httpRequest } from '../dashboard/monitor-client.js'
import { TrackedClient } from '../helpers/clients.js'
import { startCliRelay, type CliRelay } from '../helpers/processes.js'
import { RawPeer } from '../helpers/relay.js'

const NAME = 'Anna’s laptop ✓'
const TOKEN = 'the-office-access-token'

const relays: CliRelay[] = []
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
  await Promise.all(relays.splice(0).map(relay => relay.cli.stop()))
})

async function relay(args: string[] = []): Promise<{ relay: CliRelay; monitor: MonitorClient }> {
  const started = await startCliRelay(args)
  relays.push(started)
  const monitor = new MonitorClient(`http://127.0.0.1:${started.port}`)
  cleanups.push(() => monitor.close())
  await monitor.opened
  return { relay: started, monitor }
}

function lanClient(url: string, peerId: string, options: { deviceName?: string | false; token?: string } = {}): Client {
  const client = new Client({ url, peerId, documentIds: ['doc'], ...options })
  cleanups.push(() => client.disconnectServer())
  return client
}

const postName = (port: number, value: string | string[], headers: Record<string, string> = {}) =>
  httpRequest(port, { method: 'POST', path: DEVICE_NAME_PATH, headers: { [DEVICE_NAME_HEADER]: value, ...headers } })

describe('devices named by their clients', () => {
  it('shows the name lan-client sends on the device, its peers and their events, with the traffic between them', async () => {
    const { relay: started, monitor } = await relay()
    lanClient(started.url, 'anna-notes', { deviceName: NAME })
    const other = new TrackedClient({ url: started.url, peerId: 'anna-tasks', documentIds: ['doc'] })
    cleanups.push(() => other.client.disconnectServer())
    const pipe = await other.waitForPipe('anna-notes', 'doc')
    pipe.socket.send('hello from the other app')

    const state = await monitor.waitFor(s => {
      const device = s.devices.get('127.0.0.1')
      return device?.name === NAME && device.peers.length === 2 && device.pipesLive === 1 && device.bytes > 0
    }, 'the named device with both peers, the live pipe and its traffic')
    const device = state.devices.get('127.0.0.1')!
    expect(device).toMatchObject({ name: NAME, nameSource: 'client', documents: 1, pipesLive: 1, bytes: 'hello from the other app'.length })
    expect(device.peers.sort()).toEqual(['anna-notes', 'anna-tasks'])
    expect([...state.peers.values()].map(peer => peer.deviceName)).toEqual([NAME, NAME])
    // Events from before the name arrived are as they were; those after carry it.
    await monitor.waitFor(s => s.events.some(e => e.kind === 'pipe-open' && e.deviceName === NAME), 'a pipe-open event naming the device')
  })

  it('sends no name when told not to, and the device is shown by its address alone (a name given before does not stick to the address)', async () => {
    const { relay: started, monitor } = await relay()
    const earlier = lanClient(started.url, 'earlier', { deviceName: 'Earlier laptop' })
    await monitor.waitFor(s => s.devices.get('127.0.0.1')?.name === 'Earlier laptop', 'the earlier device named')
    earlier.disconnectServer()
    await monitor.waitFor(s => !s.devices.has('127.0.0.1'), 'the earlier device gone')
    lanClient(started.url, 'quiet', { deviceName: false })
    const state = await monitor.waitFor(s => s.devices.get('127.0.0.1')?.peers.includes('quiet') === true, 'the device of the quiet client')
    expect(state.devices.get('127.0.0.1')?.nameSource).not.toBe('client')
  })

  it('takes the name only with the access token when one is required', async () => {
    const { relay: started, monitor } = await relay(['--token', TOKEN])
    expect((await postName(started.port, encodeDeviceName('intruder'))).status).toBe(401)
    expect((await postName(started.port, encodeDeviceName('intruder'), { authorization: 'Bearer wrong-token-123' })).status).toBe(401)
    lanClient(started.url.replace(/\/?$/, `/${TOKEN}`), 'desk', { deviceName: 'Front desk' })
    await monitor.waitFor(s => s.devices.get('127.0.0.1')?.name === 'Front desk', 'the device named with the token')
  })

  it('ignores bad names, answers why, counts and logs them, and keeps serving', async () => {
    const { relay: started, monitor } = await relay()
    expect((await postName(started.port, encodeDeviceName('Reception'))).status).toBe(204)
    const bad: [string | string[], RegExp][] = [
      ['', /empty/],
      ['%20%20', /empty/],
      [encodeURIComponent('x'.repeat(MAX_DEVICE_NAME_LENGTH + 1)), /longer than 63/],
      ['%', /percent-encoded/],
      ['%C3%28', /percent-encoded/],
      [encodeURIComponent('evil\u202egnp.exe'), /control characters/],
      [encodeURIComponent('line\nbreak'), /control characters/],
      [['one', 'two'], /more than one/],
      ['%41'.repeat(2_000), /longer than 63/],
    ]
    for (const [value, reason] of bad) {
      const reply = await postName(started.port, value)
      expect(reply.status, JSON.stringify(value)).toBe(400)
      expect(reply.body).toMatch(reason)
    }
    expect((await httpRequest(started.port, { path: DEVICE_NAME_PATH })).status).toBe(405)

    // A header on the introduction upgrade is read too; a bad one there changes nothing else.
    const raw = new RawPeer(`${started.url}/introduction/raw-peer`, { headers: { [DEVICE_NAME_HEADER]: '%' } })
    cleanups.push(() => raw.close())
    await raw.opened
    const state = await monitor.waitFor(
      s => s.stats?.totals.deviceNamesIgnored === bad.length + 1 && s.devices.get('127.0.0.1')?.peers.includes('raw-peer') === true,
      'every bad name counted, and the peer with the bad header connected',
    )
    expect(state.devices.get('127.0.0.1')?.name).toBe('Reception')
    expect(state.events.filter(e => e.kind === 'device-name-ignored')).toHaveLength(bad.length + 1)
    await started.cli.waitForLine(/device-name-ignored .*percent-encoded/)
  })
})
