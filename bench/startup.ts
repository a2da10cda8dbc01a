/**
 * Start-up time: from spawning a command to the relay's "listening on" line, for `npm run relay`
 * (npm, the launcher's build check, the bundle) and for the bundle run directly with plain node.
 * Nothing is pinned: this is what a user waits for.
 */
import { spawn } from 'node:child_process'
import { REPO_ROOT } from '../scripts/build-state.mjs'
import { RELAY_BUNDLE } from './processes.js'

const RELAY_ARGS = ['--host', '127.0.0.1', '--port', '0', '--no-advertise', '--quiet']

export const STARTUP_COMMANDS = {
  'npm run relay': ['npm', 'run', 'relay', '--', ...RELAY_ARGS],
  'node dist/cli/relay.mjs': [process.execPath, RELAY_BUNDLE, ...RELAY_ARGS],
} as const
export type StartupCommand = keyof typeof STARTUP_COMMANDS

/** Targets from the issue: what a user may wait for, in ms. */
export const STARTUP_TARGET_MS: Record<StartupCommand, number> = { 'npm run relay': 1000, 'node dist/cli/relay.mjs': 300 }

/** Milliseconds from spawn to the listening line; the process group is then interrupted, as Ctrl-C does. */
function timeToListening(command: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    // Its own process group: npm does not pass signals on to the command it runs.
    const child = spawn(command[0]!, command.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
    let printed = ''
    let took: number | undefined
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      printed += chunk
      if (took !== undefined || !/listening on ws:\/\//.test(printed)) return
      took = performance.now() - started
      process.kill(-child.pid!, 'SIGINT')
    })
    child.once('error', reject)
    child.once('close', () => (took === undefined ? reject(new Error(`${command.join(' ')} exited before listening:\n${printed}`)) : resolve(took)))
  })
}

/** `runs` start-ups of each command, alternated so drift of the machine reaches both alike. */
export async function measureStartup(runs: number): Promise<Record<StartupCommand, number[]>> {
  const times: Record<StartupCommand, number[]> = { 'npm run relay': [], 'node dist/cli/relay.mjs': [] }
  for (let run = 0; run < runs; run++) {
    for (const name of Object.keys(STARTUP_COMMANDS) as StartupCommand[]) times[name].push(await timeToListening(STARTUP_COMMANDS[name]))
  }
  return times
}
