// `npm test` on a fresh clone installs the npm packages first, so the README's one command works.
import { execSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'

const installed = 'node_modules/.package-lock.json'
const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync('package-lock.json').mtimeMs
if (stale) {
  console.log('installing npm packages (npm ci) ...')
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' })
}
