/**
 * The interfaces named in the node's options (`--interface`, the app's setting) decide which URLs
 * the model offers apps, as they decide where it advertises, and a change applies live.
 */
import { afterEach, expect, test } from 'vitest'
import { RelayNode } from '../../src-main/node/relay-node.js'
import { RecordingDiscovery, nodeOptions } from '../helpers/node.js'

let node: RelayNode | undefined

afterEach(async () => {
  await node?.stop()
  node = undefined
})

test('a pinned interface that does not exist leaves only this machine offered and says so; unpinning applies without a restart', async () => {
  const discovery = new RecordingDiscovery()
  node = new RelayNode(nodeOptions({ host: '0.0.0.0', interfaces: ['sb-missing0'] }), { dashboardFiles: new Map(), startDiscovery: discovery.start })
  const { port } = await node.start()
  const pinned = node.relay!.snapshot()
  expect(pinned.urls).toEqual([`ws://localhost:${port}`])
  expect(pinned.notOffered).toContainEqual({ name: 'sb-missing0', code: 'chosen-missing', reason: 'chosen to advertise on, but not found' })

  const { restarted } = await node.reconfigure(nodeOptions({ host: '0.0.0.0', interfaces: [] }))
  expect(restarted).toEqual([])
  const unpinned = node.relay!.snapshot()
  expect(unpinned.notOffered.filter(entry => entry.code === 'chosen-missing' || entry.code === 'not-chosen')).toEqual([])
  expect(unpinned.urls.at(-1)).toBe(`ws://localhost:${port}`)
})
