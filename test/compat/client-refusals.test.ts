/**
 * The published Client listens for 'error' on its introduction socket but not on its pipe sockets.
 * In Node (isomorphic-ws is `ws`), a pipe socket whose upgrade is answered with an HTTP error emits
 * 'error' with no listener, which is an uncaught exception in the application. A socket that
 * opens and is then closed with a code emits only 'close', which the Client handles.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CompatRig, until } from '../helpers/clients.js'

const rig = new CompatRig()
afterEach(() => rig.cleanup())

describe('published Client: pipe sockets the relay will not admit', () => {
  it('a pipe socket over the per-address limit is closed with 4429, and the Node app using the Client does not crash', async () => {
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      // Two introduction sockets and the first pipe socket fit; the second pipe socket does not.
      const { relay, url } = await rig.startRelay({ maxConnectionsPerAddress: 3 })
      const alice = rig.client(url, 'alice', ['doc'])
      const bob = rig.client(url, 'bob', ['doc'])
      const clients = [alice, bob]
      await until(
        () => uncaught.length > 0 || clients.some(c => c.pipes.some(p => p.closeCode !== undefined)),
        5_000,
        () => `the over-limit pipe socket to be dealt with (pipes: ${clients.map(c => c.pipes.length).join('/')})`,
      )
      expect(uncaught.map(error => (error as Error).message)).toEqual([])
      const refused = clients.flatMap(c => c.pipes).filter(p => p.closeCode !== undefined)
      expect(refused.map(p => p.closeCode)).toEqual([4429])
      expect(relay.snapshot().totals.refusalsByKind.limitReached).toBe(1)
    } finally {
      process.off('uncaughtException', onUncaught)
    }
  })
})
