/**
 * This project's relay. Limits that would refuse the bench's own load (it opens thousands of
 * sockets from one address) are raised; every other limit keeps its default, so backpressure,
 * hold buffers and accounting are measured as shipped.
 */
import { RelayServer } from '../../src-main/relay/relay-server.js'
import type { RelayHandle } from './handle.js'

/** How often the stand-in dashboard reads the live model, as the dashboard is expected to. */
const MONITOR_INTERVAL_MS = 250

export async function startSwitchboardRelay(): Promise<RelayHandle> {
  const relay = new RelayServer({
    host: '127.0.0.1',
    port: 0,
    limits: { maxPeers: 100_000, maxConnectionsPerAddress: 100_000 },
  })
  const { url } = await relay.listen()
  let monitor: NodeJS.Timeout | undefined
  return {
    url,
    close: () => relay.close(),
    setMonitoring(on) {
      clearInterval(monitor)
      monitor = undefined
      // Serialised as a monitoring feed would be, so the reader's cost is not optimised away.
      if (on) monitor = setInterval(() => JSON.stringify(relay.snapshot()).length, MONITOR_INTERVAL_MS)
    },
  }
}
