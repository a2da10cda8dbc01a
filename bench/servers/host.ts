/**
 * Entry point of a server child process: starts one contender and answers the orchestrator's
 * questions about this process's CPU time and memory. Run with --expose-gc.
 */
import { createRpc } from '../rpc.js'
import type { ContenderName, ServerStats } from '../types.js'
import type { RelayHandle } from './handle.js'

const launchers: Record<ContenderName, () => Promise<RelayHandle>> = {
  raw: async () => (await import('./raw-relay.js')).startRawRelay(),
  published: async () => (await import('./published-relay.js')).startPublishedRelay(),
  switchboard: async () => (await import('./switchboard-relay.js')).startSwitchboardRelay(),
}

const name = process.argv[2] as ContenderName
const launch = launchers[name]
if (!launch || !process.send) {
  console.error(`usage: node --expose-gc --import tsx bench/servers/host.ts <${Object.keys(launchers).join('|')}> (with an IPC channel)`)
  process.exit(2)
}

const gc = (globalThis as { gc?: () => void }).gc

function stats(): ServerStats {
  const cpu = process.cpuUsage()
  const memory = process.memoryUsage()
  return {
    at: performance.now(),
    cpuUs: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
  }
}

let relay: RelayHandle | undefined
createRpc(process, {
  stats,
  statsAfterGc: () => {
    if (!gc) throw new Error('server host needs --expose-gc')
    // Twice, so objects freed by the first pass's finalisers are gone too.
    gc()
    gc()
    return stats()
  },
  monitoring: async (on: boolean) => {
    if (!relay?.setMonitoring) throw new Error(`${name} has no live model to monitor`)
    await relay.setMonitoring(on)
  },
  shutdown: async () => {
    await relay?.close()
    setImmediate(() => process.exit(0))
  },
})

// An orphaned server must not outlive the bench.
process.on('disconnect', () => process.exit(0))

try {
  relay = await launch()
  process.send({ ready: relay.url })
} catch (error) {
  process.send({ failed: error instanceof Error ? error.stack ?? error.message : String(error) })
  process.exitCode = 1
  setTimeout(() => process.exit(1), 100)
}
