/**
 * Starting bench child processes: TypeScript through tsx, optionally pinned to one core, with an
 * IPC channel. Pinning keeps the server and the load generator from trading places on the cores,
 * which would blur the server's CPU-per-message figure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createRpc, type Handlers, type Rpc } from './rpc.js'

const tsxLoader = import.meta.resolve('tsx')

/** Cores to pin to, or undefined when there is nothing to pin with or to. */
export const pinning: { server: string; load: string } | undefined =
  availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
    ? { server: '0', load: '1' }
    : undefined

export interface Child {
  process: ChildProcess
  rpc: Rpc
  /** Resolves with the exit code once the process has gone. */
  exited: Promise<number | null>
}

export interface ChildOptions {
  cpu?: string
  nodeFlags?: string[]
  handlers?: Handlers
}

export function startChild(script: string, args: string[], options: ChildOptions = {}): Child {
  const path = fileURLToPath(new URL(script, import.meta.url))
  const node = [...(options.nodeFlags ?? []), '--import', tsxLoader, path, ...args]
  const [command, argv] = options.cpu ? ['taskset', ['-c', options.cpu, process.execPath, ...node]] : [process.execPath, node]
  const child = spawn(command, argv, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  })
  const rpc = createRpc(child, options.handlers ?? {})
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  exited.then(() => rpc.failAll(`child ${script} ${args.join(' ')} exited`))
  return { process: child, rpc, exited }
}

/** Ends a child we started: politely first, then by its own pid. */
export async function stopChild(child: Child, politely?: () => Promise<unknown>, graceMs = 3000) {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs)
  try {
    await politely?.()
  } catch {
    // The process may already be on its way out; the kill timer covers the rest.
  }
  if (!politely) child.process.kill('SIGTERM')
  await child.exited
  clearTimeout(timer)
}
