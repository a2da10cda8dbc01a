/**
 * Entry point of a server child process for the other contenders (the raw ws relay, the published
 * relay, this relay hosted as the desktop app hosts it): starts one and answers the orchestrator's
 * questions about this process's CPU time and memory (and, for the desktop host, its event-loop
 * delay). Bundled and run with plain node and --expose-gc.
 */
import { detectFrameMasking } from '../../src-main/relay/frame-masking.js'
import type { RelayKind } from '../types.js'
import type { RelayHandle } from './handle.js'
import { answerStatsQuestions } from './process-stats.js'

const launchers: Partial<Record<RelayKind, () => Promise<RelayHandle>>> = {
  raw: async () => (await import('./raw-relay.js')).startRawRelay(),
  published: async () => (await import('./published-relay.js')).startPublishedRelay(),
  desktop: async () => (await import('./desktop-relay.js')).startDesktopRelay(),
}

const name = process.argv[2] as RelayKind
const launch = launchers[name]
if (!launch || !process.send) {
  console.error(`usage: node --expose-gc dist/bench/host.mjs <${Object.keys(launchers).join('|')}> (with an IPC channel)`)
  process.exit(2)
}

let relay: RelayHandle | undefined
answerStatsQuestions({
  monitoring: async () => {
    throw new Error(`${name} has no live model to monitor`)
  },
  shutdown: async () => {
    await relay?.close()
    setImmediate(() => process.exit(0))
  },
}, { watchEventLoop: name === 'desktop' })

try {
  relay = await launch()
  process.send({ ready: relay.url, masking: detectFrameMasking() })
} catch (error) {
  process.send({ failed: error instanceof Error ? error.stack ?? error.message : String(error) })
  process.exitCode = 1
  setTimeout(() => process.exit(1), 100)
}
