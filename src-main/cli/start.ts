/**
 * `npm start`: the desktop app where Electron can run; elsewhere (or when Electron cannot start or
 * aborts before the app is up) one line saying why, then the headless relay (which prints its
 * address and dashboard URL), so the first command in the README always does something useful.
 * Arguments go to whichever starts. The desktop bundle it launches is built beforehand (npm run
 * build; scripts/launch.mjs rebuilds it when stale), never here.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { READY_ENV, READY_LINE, launchOutcome, type ElectronEnd } from '../desktop/launch-outcome.js'
import { launchPlan } from '../desktop/launch-plan.js'

// Two levels below the root both as source (src-main/cli) and as a bundle (dist/cli).
const REPO_ROOT = path.resolve(import.meta.dirname, '../..')
const args = process.argv.slice(2)

async function main(): Promise<void> {
  const electronDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  const environment = { platform: process.platform, env: process.env, electronDir }
  let plan = launchPlan(environment)
  if (plan.kind === 'download') {
    // Electron's own installer, once; it fails fast where there is no internet.
    const installed = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'inherit' })
    plan = installed.status === 0 ? launchPlan(environment) : { kind: 'headless', reason: 'the Electron binary could not be downloaded' }
  }
  if (plan.kind === 'launch') {
    const outcome = launchOutcome(await runElectron(plan.binary))
    if (outcome.kind === 'exit') {
      process.exitCode = outcome.code
      return
    }
    plan = outcome
  }
  const reason = plan.kind === 'headless' ? plan.reason : 'the Electron binary could not be found after downloading it'
  console.log(`switchboard: not opening the desktop app: ${reason}. Running the headless relay instead.`)
  await import('./relay.js')
}

/** Chromium's fatal line comes last; more than this of what came before is not needed. */
const STDERR_KEPT = 64 * 1024

/**
 * Runs the app in Electron, passing signals on as the electron package's own CLI does, and its
 * stderr through (all but the app's ready line), keeping the end of it to tell why it ended.
 */
function runElectron(binary: string): Promise<ElectronEnd> {
  const env: NodeJS.ProcessEnv = { ...process.env, [READY_ENV]: '1' }
  // Set, it would make the binary a plain Node.js and ignore the app.
  delete env.ELECTRON_RUN_AS_NODE
  const child = spawn(binary, [REPO_ROOT, ...args], { stdio: ['inherit', 'inherit', 'pipe'], env })
  const end: Omit<ElectronEnd, 'code' | 'signal'> = { binary, stderr: '', ready: false, interrupted: false }
  const passOn = (signal: NodeJS.Signals) => {
    end.interrupted = true
    child.kill(signal)
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, passOn)
  let partial = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    end.stderr = (end.stderr + chunk).slice(-STDERR_KEPT)
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      if (line === READY_LINE) end.ready = true
      else process.stderr.write(`${line}\n`)
    }
  })
  return new Promise(resolve => {
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      for (const name of ['SIGINT', 'SIGTERM'] as const) process.off(name, passOn)
      if (partial) process.stderr.write(partial)
      resolve({ ...end, code, signal })
    }
    // A binary that cannot be started reports `error` (and may never `close`).
    child.once('error', spawnError => {
      end.spawnError = spawnError
      settle(null, null)
    })
    child.once('close', (code, signal) => {
      if (!end.spawnError) settle(code, signal)
    })
  })
}

await main()
