/**
 * The `history` node option applied live, as the app's Settings toggle applies it: turning it off
 * forgets what was kept (file included) and records nothing more; turning it on starts recording
 * again; no socket is closed either way.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { RelayNode } from '../../src-main/node/relay-node.js'
import { nodeOptions } from '../helpers/node.js'
import { RawPeer, eventually } from '../helpers/relay.js'

const dir = mkdtempSync(join(tmpdir(), 'switchboard-history-option-'))
let node: RelayNode | undefined
afterEach(async () => {
  await node?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('turning history off forgets it and stops recording; turning it on records again, with nobody disconnected', async () => {
  node = new RelayNode(nodeOptions({ history: true }), { history: { dir, writeDelayMs: 10 } })
  const { port } = await node.start()
  const file = join(dir, `relay-0.json`)
  const passBy = async (address: string, peerId: string) => {
    const peer = new RawPeer(`ws://127.0.0.1:${port}/introduction/${peerId}`, { localAddress: address })
    await peer.opened
    await peer.close()
    await eventually(() => node!.relay!.snapshot().history.devices.some(device => device.address === address) || !node!.options.history, 5_000, `${address} left`)
  }
  const stayer = new RawPeer(`ws://127.0.0.1:${port}/introduction/stays`, { localAddress: '127.0.0.9' })
  await stayer.opened

  await passBy('127.0.0.2', 'first')
  await eventually(() => existsSync(file) && readFileSync(file, 'utf8').includes('127.0.0.2'), 5_000, 'the first visit on disk')

  expect(await node.reconfigure({ ...node.options, history: false })).toEqual({ restarted: [] })
  expect(node.relay!.snapshot().history).toEqual({ enabled: false, devices: [] })
  expect(existsSync(file)).toBe(false)
  const quiet = new RawPeer(`ws://127.0.0.1:${port}/introduction/unrecorded`, { localAddress: '127.0.0.3' })
  await quiet.opened
  await quiet.close()
  await eventually(() => !node!.relay!.snapshot().devices.some(device => device.address === '127.0.0.3'), 5_000, 'the unrecorded device gone')

  await node.reconfigure({ ...node.options, history: true })
  await passBy('127.0.0.4', 'second')
  expect(node.relay!.snapshot().history.devices.map(device => device.address)).toEqual(['127.0.0.4'])
  expect(stayer.closeCode).toBeUndefined()
  // Stopping closes the one still connected: it leaves, and goes on file with the other.
  await node.stop()
  expect(JSON.parse(readFileSync(file, 'utf8')).devices.map((device: { address: string }) => device.address)).toEqual(['127.0.0.4', '127.0.0.9'])
})
