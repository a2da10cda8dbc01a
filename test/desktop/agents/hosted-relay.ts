/**
 * The app's relay lifecycle with the relay host forked as a Node child (as in relay-host.test.ts),
 * inside a network namespace so it advertises on a real LAN. Reports one JSON line per status;
 * `{"do":"quit"}` on stdin quits it as the app does and reports `quit-done` once quit resolved.
 *
 *   node hosted-relay.ts <state folder>
 */
import path from 'node:path'
import { createInterface } from 'node:readline'
import { RELAY_HOST_BUNDLE } from '../../../src-main/desktop/app-paths.js'
import { forkHost } from '../../../src-main/desktop/relay-host/fork-host.js'
import { RelayLifecycle } from '../../../src-main/desktop/relay/relay-lifecycle.js'
import { nodeOptions } from '../../helpers/node.js'

const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)
const stateDir = process.argv[2]!

const lifecycle = new RelayLifecycle(nodeOptions({ host: undefined, port: 8080, tls: false }), {
  host: { spawn: forkHost(path.resolve(RELAY_HOST_BUNDLE)), setup: { frontEnd: 'app', stateDir } },
})
lifecycle.on('status', status => report({ ev: 'status', status }))
lifecycle.on('problem', message => report({ ev: 'problem', message }))
createInterface({ input: process.stdin }).on('line', line => {
  if ((JSON.parse(line) as { do: string }).do !== 'quit') return
  void lifecycle.quit().then(() => {
    report({ ev: 'quit-done' })
    process.exit(0)
  })
})
await lifecycle.start()
