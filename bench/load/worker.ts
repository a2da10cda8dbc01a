/**
 * Entry point of the load-generator child process. It runs one scenario at a time against the URL
 * it is given and asks the orchestrator, which owns the server process, for server figures.
 */
import { createRpc } from '../rpc.js'
import type { Metrics, Probe, Scenario, ServerStats } from '../types.js'
import { churnPeers, churnPipes } from './churn.js'
import { introductionsInPairs, introductionsOnOneDocument } from './introductions.js'
import { latency } from './latency.js'
import { memory } from './memory.js'
import { stalledReader } from './stalled-reader.js'
import { trustCa } from './sockets.js'
import { throughput } from './throughput.js'

if (!process.send) {
  console.error('bench/load/worker.ts is started by bench/run.ts with an IPC channel')
  process.exit(2)
}

const gc = (globalThis as { gc?: () => void }).gc

const rpc = createRpc(process, {
  run: async (url: string, scenario: Scenario, ca?: string): Promise<Metrics> => {
    trustCa(ca)
    // The previous scenario's garbage is collected now, not inside this one's window.
    gc?.()
    const probe: Probe = {
      stats: () => rpc.call<ServerStats>('serverStats'),
      statsAfterGc: () => rpc.call<ServerStats>('serverStatsAfterGc'),
    }
    switch (scenario.kind) {
      case 'throughput':
        return throughput(url, probe, scenario)
      case 'latency':
        return latency(url, probe, scenario)
      case 'intro-pairs':
        return introductionsInPairs(url, probe, scenario)
      case 'intro-one-doc':
        return introductionsOnOneDocument(url, probe, scenario)
      case 'churn-peers':
        return churnPeers(url, probe, scenario)
      case 'churn-pipes':
        return churnPipes(url, probe, scenario)
      case 'memory':
        return memory(url, probe, scenario)
      case 'stalled-reader':
        return stalledReader(url, probe, scenario)
    }
  },
})

process.on('disconnect', () => process.exit(0))
process.send({ ready: true })
