/**
 * A RelayNode on one test host (run inside a network namespace) with 100 peers and 50 live pipes
 * of numbered traffic on it from the same host, taking new options on stdin and reporting on
 * stdout, one JSON object per line:
 *
 *   (start)                                  → {"ev":"model","advertising":...} on every change of discovery's view
 *                                              {"ev":"ready","report":...} once the load flows
 *   {"do":"reconfigure","change":{...}}      → {"ev":"reconfigured","restarted":[...],"report":...} after traffic flowed on
 *   {"do":"drain"}                           → {"ev":"drained","report":...}
 *
 * The first argument is a JSON object of RelayNodeOptions overrides plus `instanceIdFile`.
 */
import { createInterface } from 'node:readline'
import { DEFAULT_PORT, type RelayNodeOptions } from '../../../shared/relay-node-options.js'
import { RelayNode } from '../../../src-main/node/relay-node.js'
import { nodeOptions } from '../../helpers/node.js'
import { SequencedLoad } from '../../helpers/sequenced-load.js'

const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)

const { instanceIdFile, ...overrides } = JSON.parse(process.argv[2] ?? '{}') as Partial<RelayNodeOptions> & { instanceIdFile: string }
let options: RelayNodeOptions = nodeOptions({ host: undefined, port: DEFAULT_PORT, ...overrides })
const node = new RelayNode(options, { discovery: { instanceIdFile } })
node.on('advertising', advertising => report({ ev: 'model', advertising }))
await node.start()
const load = await SequencedLoad.start(`ws://127.0.0.1:${options.port}`, { peers: 100, pipes: 50 })
await load.flowing(1_000)
report({ ev: 'ready', report: load.report() })

type Command = { do: 'reconfigure'; change: Partial<RelayNodeOptions> } | { do: 'drain' }

let queue = Promise.resolve()
createInterface({ input: process.stdin }).on('line', line => {
  const command = JSON.parse(line) as Command
  queue = queue
    .then(() => run(command))
    .catch((error: Error) => {
      report({ ev: 'failed', message: error.message })
    })
})

async function run(command: Command): Promise<void> {
  if (command.do === 'reconfigure') {
    options = { ...options, ...command.change }
    const { restarted } = await node.reconfigure(options)
    await load.flowing(500)
    report({ ev: 'reconfigured', restarted, report: load.report() })
  } else {
    report({ ev: 'drained', report: await load.drain() })
  }
}
