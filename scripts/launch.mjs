// @ts-check
/**
 * `npm start` and `npm run relay`: run a bundled entry (dist/cli/*.mjs) in this process, after a
 * check of the build that costs about a millisecond. Bundles older than their sources (or missing)
 * are rebuilt first, which takes esbuild a fraction of a second and is safe while another relay
 * starts (files are renamed into place); a stale dashboard is only reported, because vite takes
 * seconds and a relay start must not wait for it.
 *
 *   node scripts/launch.mjs relay|start [arguments for the entry]
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { BUNDLES_MANIFEST, DASHBOARD_MANIFEST, REPO_ROOT, buildState } from './build-state.mjs'

/** @type {Record<string, string>} */
const ENTRIES = { relay: 'dist/cli/relay.mjs', start: 'dist/cli/start.mjs' }

const [name = '', ...args] = process.argv.slice(2)
const entry = ENTRIES[name]
if (!entry) {
  console.error(`usage: node scripts/launch.mjs ${Object.keys(ENTRIES).join('|')} [arguments]`)
  process.exit(2)
}

const bundles = buildState(BUNDLES_MANIFEST)
if (bundles.kind !== 'fresh') {
  const why = bundles.kind === 'missing' ? `${entry} is not built` : `${entry} is older than ${bundles.newer}`
  console.error(`switchboard: ${why}; rebuilding the bundles (npm run build:bundles)`)
  try {
    const { buildBundles } = await import('./bundles.mjs')
    await buildBundles()
  } catch (error) {
    console.error(`switchboard: could not build the bundles: ${error instanceof Error ? error.message : String(error)}\nRun npm install (which builds everything) or npm run build.`)
    process.exit(1)
  }
}
const dashboard = buildState(DASHBOARD_MANIFEST)
// A missing dashboard is reported by the relay itself, with what to run.
if (dashboard.kind === 'stale') console.error(`switchboard: the dashboard in dist/renderer is older than ${dashboard.newer}; run npm run build:dashboard to update it`)

const file = path.join(REPO_ROOT, entry)
// The entry reads its arguments from process.argv, as it does when run directly with node.
process.argv = [process.argv[0] ?? process.execPath, file, ...args]
await import(pathToFileURL(file).href)
