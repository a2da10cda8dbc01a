// @ts-check
/**
 * Builds what Switchboard runs, once: `npm run build` (npm install's prepare step runs it too).
 *
 *   node scripts/build.mjs [bundles|dashboard] [--if-stale]
 *
 * `bundles`: the CLI, the launcher and the desktop main + preload (esbuild, ~0.2 s);
 * `dashboard`: the React dashboard (vite, ~2 s); both when neither is named.
 * `--if-stale`: only the parts whose sources changed since they were built (npm test's pretest).
 */
import { BUNDLES_MANIFEST, DASHBOARD_MANIFEST, buildState } from './build-state.mjs'

// Inherited from a test runner (NODE_ENV=test), it would give the dashboard a development build of React.
process.env.NODE_ENV = 'production'

const args = process.argv.slice(2)
const ifStale = args.includes('--if-stale')
const named = args.filter(arg => !arg.startsWith('--'))
const unknown = named.filter(name => name !== 'bundles' && name !== 'dashboard')
if (unknown.length > 0) {
  console.error(`usage: node scripts/build.mjs [bundles|dashboard] [--if-stale]; unknown: ${unknown.join(' ')}`)
  process.exit(2)
}
const wanted = (/** @type {string} */ part, /** @type {string} */ manifest) =>
  (named.length === 0 || named.includes(part)) && (!ifStale || buildState(manifest).kind !== 'fresh')

const steps = []
if (wanted('bundles', BUNDLES_MANIFEST)) steps.push(import('./bundles.mjs').then(({ buildBundles }) => buildBundles()))
if (wanted('dashboard', DASHBOARD_MANIFEST)) steps.push(import('./dashboard.mjs').then(({ buildDashboard }) => buildDashboard()))
await Promise.all(steps)
