/**
 * A connection burst against the bundled relay with its default limits: 3,000 introduction sockets
 * from 19 loopback addresses at once, 500 handshakes in flight, each pair Joining a document of its
 * own. Every peer must be introduced to exactly its partner on exactly its document, and the model
 * must hold them all. How long the burst stalls the relay is measured by `npm run bench` (burst row).
 */
import { afterEach, expect, test } from 'vitest'
import { openBurst } from '../../bench/load/burst-sockets.js'
import { closeAll } from '../../bench/load/sockets.js'
import { fetchHealth, killLeftoverCliProcesses, startCliRelay } from '../helpers/processes.js'

afterEach(killLeftoverCliProcesses)

test('every introduction in a burst of 3,000 sockets from 19 addresses is right, and the model holds every peer', { timeout: 180_000 }, async () => {
  const relay = await startCliRelay(['--quiet', '--no-advertise'])
  const sockets = 3000
  const burst = openBurst({ url: relay.url, tag: 't', sockets, addresses: 19, concurrency: 500 })
  const result = await burst.settled
  console.log(`burst of ${sockets}: all open after ${result.openMs.toFixed(0)} ms, all introduced after ${result.introducedMs.toFixed(0)} ms`)
  expect(result).toMatchObject({ introduced: sockets, wrong: 0, failed: 0 })
  expect((await fetchHealth(relay.port)).counts).toMatchObject({ peers: sockets, documents: sockets / 2, sockets })
  await closeAll(burst.sockets)
  expect((await relay.cli.stop()).code).toBe(0)
})
