import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { REPO_ROOT } from './processes.js'

/**
 * Vitest's global setup (once, before any test file): `npm test` has brought the build up to date
 * already (pretest), but a direct `vitest run` gets the same check here, so the tests never spawn an
 * old bundle or load an old dashboard. In a child process: the build sets NODE_ENV for itself.
 */
export default function ensureFreshBuild(): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: REPO_ROOT, stdio: 'inherit' })
}
