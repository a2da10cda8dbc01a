/**
 * A relay with LAN discovery, as the desktop app will run it (engine and discovery in one
 * process), reporting its model's `advertising` part as a JSON line on every change. Options come
 * as one JSON argument (RelayDiscoveryOptions plus `port`); SIGTERM stops it the graceful way.
 */
import { RelayDiscovery, type RelayDiscoveryOptions } from '../../../src-main/discovery/relay-discovery.js'
import { RelayServer } from '../../../src-main/relay/relay-server.js'

const options = JSON.parse(process.argv[2] ?? '{}') as RelayDiscoveryOptions & { port?: number }
const relay = new RelayServer({ port: options.port ?? 8080 })
await relay.listen()
const discovery = new RelayDiscovery(relay, options)
const report = () => process.stdout.write(`${JSON.stringify({ ev: 'model', advertising: relay.snapshot().advertising, at: Date.now() })}\n`)
discovery.on('change', report)
report()
process.once('SIGTERM', () => {
  void discovery
    .stop()
    .then(() => relay.close())
    .then(() => process.stdout.write(`${JSON.stringify({ ev: 'stopped', at: Date.now() })}\n`))
})
