/** The orchestrator's handle on one server child process. */
import { pinning, startChild, stopChild, type Child } from '../processes.js'
import type { ContenderName, ServerStats } from '../types.js'

export interface RunningServer {
  name: ContenderName
  url: string
  pid: number
  stats(): Promise<ServerStats>
  statsAfterGc(): Promise<ServerStats>
  setMonitoring(on: boolean): Promise<void>
  stop(): Promise<void>
}

export interface ServerOptions {
  /** Directory for a V8 CPU profile of the server process, written when it exits. */
  cpuProfileDir?: string
}

export async function startServer(name: ContenderName, options: ServerOptions = {}): Promise<RunningServer> {
  const nodeFlags = ['--expose-gc']
  // One directory per contender and V8's own file names: tsx's loader thread writes a profile too,
  // and a fixed name would let it overwrite the main thread's.
  if (options.cpuProfileDir) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}/${name}`)
  const child: Child = startChild('./servers/host.ts', [name], { cpu: pinning?.server, nodeFlags })
  const url = await new Promise<string>((resolve, reject) => {
    child.process.on('message', (message: { ready?: string; failed?: string }) => {
      if (message.ready) resolve(message.ready)
      if (message.failed) reject(new Error(`${name} relay failed to start: ${message.failed}`))
    })
    child.exited.then(code => reject(new Error(`${name} relay exited with code ${code} before it was ready`)))
  })
  return {
    name,
    url,
    pid: child.process.pid!,
    stats: () => child.rpc.call<ServerStats>('stats'),
    statsAfterGc: () => child.rpc.call<ServerStats>('statsAfterGc'),
    setMonitoring: on => child.rpc.call<void>('monitoring', on),
    stop: () => stopChild(child, () => child.rpc.call('shutdown'), 5000),
  }
}
