/**
 * Starting bench child processes: bundled JavaScript run with plain node, as users run the relay
 * (a TypeScript loader active at run time would make every contender slower), optionally pinned to
 * one core, with an IPC channel. Pinning keeps the server and the load generator from trading
 * places on the cores, which would blur the server's CPU-per-message figure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { BUNDLES_MANIFEST, REPO_ROOT, buildState } from '../scripts/build-state.mjs'
import { buildBundles } from '../scripts/bundles.mjs'
import { createRpc, type Handlers, type Rpc } from './rpc.js'

/** The bench's own processes, bundled like the product; they may also use the devDependencies (the published relay). */
const BENCH_ENTRIES = {
  host: 'bench/servers/host.ts',
  worker: 'bench/load/worker.ts',
  // A worker thread of the load generator, found beside worker.mjs.
  'burst-opener': 'bench/load/burst-opener.ts',
  'relay-agent': 'bench/servers/relay-agent.ts',
  'dashboard-scale': 'bench/dashboard-scale.ts',
  'dashboard-map': 'bench/dashboard-map.ts',
} as const
export type BenchEntry = keyof typeof BENCH_ENTRIES

export const benchBundle = (name: BenchEntry) => path.join(REPO_ROOT, 'dist/bench', `${name}.mjs`)
/** This project's relay exactly as `npm run relay` runs it. */
export const RELAY_BUNDLE = path.join(REPO_ROOT, 'dist/cli/relay.mjs')

/** Brings the product's bundles up to date (as `npm run relay` would) and bundles the bench's processes. */
export async function buildBenchProcesses(): Promise<void> {
  if (buildState(BUNDLES_MANIFEST).kind !== 'fresh') await buildBundles()
  const { devDependencies } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
  const provided = Object.keys(devDependencies)
  const bundles = Object.entries(BENCH_ENTRIES).map(([name, entry]) => ({ entry, outfile: `dist/bench/${name}.mjs`, kind: 'node' as const, provided }))
  await buildBundles({ bundles, manifest: undefined })
}

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
  /** Variables set (or, when undefined, removed) on top of the orchestrator's environment. */
  env?: Record<string, string | undefined>
}

/** Runs the JavaScript file `script` with plain node; stdout is piped when `pipeStdout` is set. */
export function startChild(script: string, args: string[], options: ChildOptions & { pipeStdout?: boolean } = {}): Child {
  const node = [...(options.nodeFlags ?? []), script, ...args]
  const [command, argv] = options.cpu ? ['taskset', ['-c', options.cpu, process.execPath, ...node]] : [process.execPath, node]
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  const child = spawn(command, argv, { stdio: ['ignore', options.pipeStdout ? 'pipe' : 'inherit', 'inherit', 'ipc'], env })
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
