/**
 * This project's relay. Limits that would refuse the bench's own load (it opens thousands of
 * sockets from one address) are raised; every other limit keeps its default, so backpressure,
 * hold buffers and accounting are measured as shipped.
 */
import { WebSocket } from 'ws'
import { MONITOR_PATH } from '../../shared/monitoring.js'
import { DashboardExtension } from '../../src-main/monitoring/dashboard-extension.js'
import { RelayServer } from '../../src-main/relay/relay-server.js'
import type { RelayHandle } from './handle.js'

export async function startSwitchboardRelay(): Promise<RelayHandle> {
  const relay = new RelayServer({
    host: '127.0.0.1',
    port: 0,
    limits: { maxPeers: 100_000, maxConnectionsPerAddress: 100_000, connectionsPerAddressPerSecond: 100_000 },
  })
  // The real monitoring feed, as the headless relay serves it; the page's files are not needed.
  relay.use(new DashboardExtension(relay, { files: new Map() }))
  const { url } = await relay.listen()
  let dashboard: WebSocket | undefined
  return {
    url,
    close: () => relay.close(),
    async setMonitoring(on) {
      dashboard?.terminate()
      dashboard = undefined
      if (!on) return
      // A dashboard subscribed over the monitoring socket. It lives in the relay's process, so the
      // relay's CPU figure also pays for receiving the feed: an upper bound on the real overhead.
      dashboard = new WebSocket(url + MONITOR_PATH)
      await new Promise<void>((resolve, reject) => {
        dashboard!.once('message', () => resolve())
        dashboard!.once('error', reject)
      })
    },
  }
}
