import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { BUILT_DASHBOARD_DIR } from '../../src-main/monitoring/dashboard-files.js'
import { REPO_ROOT } from '../helpers/processes.js'

function newestSource(dir: string): number {
  let newest = 0
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) newest = Math.max(newest, statSync(path.join(dir, name)).mtimeMs)
  return newest
}

function builtAt(): number {
  try {
    return statSync(path.join(BUILT_DASHBOARD_DIR, 'index.html')).mtimeMs
  } catch {
    return 0
  }
}

// The dashboard bundles @switchboard/lan-mdns/relay-service from lan-mdns/src.
const SOURCE_DIRS = ['src-renderer', 'shared', 'lan-mdns/src']

const isStale = () =>
  builtAt() < Math.max(...SOURCE_DIRS.map(dir => newestSource(path.join(REPO_ROOT, dir))), statSync(path.join(REPO_ROOT, 'vite.config.ts')).mtimeMs)

/**
 * Vitest's global setup (once, before any test file): `npm test` has built the dashboard already
 * (pretest), but a direct `vitest run` gets a build here when the sources are newer than dist/renderer,
 * so the browser tests never run an old dashboard.
 */
export default function ensureDashboardBuilt(): void {
  if (!isStale()) return
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js')
  // Vitest sets NODE_ENV=test, which would give a development build of React.
  const env = { ...process.env, NODE_ENV: 'production' }
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit', env })
}
