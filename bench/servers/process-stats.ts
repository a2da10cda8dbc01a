/**
 * The server side of the orchestrator's questions, in whichever process runs a contender: this
 * process's CPU time and memory (after a full GC on request), plus what the contender adds
 * (monitoring, shutdown). Needs --expose-gc for the GC figures.
 */
import { readFileSync } from 'node:fs'
import { createRpc, type Handlers } from '../rpc.js'
import { LoopWatch } from './loop-watch.js'
import type { ServerStats } from '../types.js'

const gc = (globalThis as { gc?: () => void }).gc

let loopWatch: LoopWatch | undefined

/** Read- and write-type system calls this process has made (Linux; absent elsewhere). */
function syscalls(): { syscallsRead: number; syscallsWrite: number } | undefined {
  try {
    const io = readFileSync('/proc/self/io', 'latin1')
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1])
    return { syscallsRead: field('syscr'), syscallsWrite: field('syscw') }
  } catch {
    return undefined
  }
}

function stats(): ServerStats {
  const cpu = process.cpuUsage()
  const memory = process.memoryUsage()
  return {
    ...syscalls(),
    ...(loopWatch ? { loopDelay: loopWatch.take() } : {}),
    at: performance.now(),
    cpuUs: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
  }
}

export function answerStatsQuestions(
  contender: { monitoring(on: boolean, url: string): Promise<void>; shutdown(): Promise<void> } & Handlers,
  { watchEventLoop = false } = {},
): void {
  if (watchEventLoop) loopWatch = new LoopWatch()
  createRpc(process, {
    ...contender,
    stats,
    statsAfterGc: () => {
      if (!gc) throw new Error('a server process needs --expose-gc')
      // Twice, so objects freed by the first pass's finalisers are gone too.
      gc()
      gc()
      return stats()
    },
  })
  // An orphaned server must not outlive the bench.
  process.on('disconnect', () => process.exit(0))
}
