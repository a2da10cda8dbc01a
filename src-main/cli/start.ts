/**
 * `npm start`: the desktop app where Electron can run; elsewhere one line saying why, then the
 * headless relay (which prints its address and dashboard URL), so the first command in the README
 * always does something useful. Arguments go to whichever starts. The desktop bundle it launches
 * is built beforehand (npm run build; scripts/launch.mjs rebuilds it when stale), never here.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
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
  if (plan.kind !== 'launch') {
    const reason = plan.kind === 'headless' ? plan.reason : 'the Electron binary could not be found after downloading it'
    console.log(`switchboard: not opening the desktop app: ${reason}. Running the headless relay instead.`)
    await import('./relay.js')
    return
  }
  launchElectron(plan.binary)
}

/** Runs the app in Electron, passing signals on as the electron package's own CLI does. */
function launchElectron(binary: string): void {
  const env = { ...process.env }
  // Set, it would make the binary a plain Node.js and ignore the app.
  delete env.ELECTRON_RUN_AS_NODE
  const child = spawn(binary, [REPO_ROOT, ...args], { stdio: 'inherit', env })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  child.on('close', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0)
  })
}

await main()
