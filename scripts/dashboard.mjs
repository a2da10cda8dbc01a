// @ts-check
/**
 * The dashboard, built by vite (vite.config.ts) into a directory of its own and then swapped in
 * for dist/renderer, so a relay starting meanwhile reads either the old build or the new one,
 * never a directory vite is emptying and rewriting.
 */
import { existsSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { build } from 'vite'
import { DASHBOARD_MANIFEST, REPO_ROOT, localSources, writeManifest } from './build-state.mjs'

export const DASHBOARD_DIR = 'dist/renderer'

export async function buildDashboard(root = REPO_ROOT) {
  const startedAt = Date.now()
  const target = path.join(root, DASHBOARD_DIR)
  const unique = `${process.pid}-${Math.random().toString(36).slice(2)}`
  const fresh = `${target}.building-${unique}`
  const old = `${target}.old-${unique}`
  const output = await build({
    root: path.join(root, 'src-renderer'),
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: fresh, emptyOutDir: true },
  })
  try {
    if (existsSync(target)) renameSync(target, old)
    renameSync(fresh, target)
  } finally {
    rmSync(old, { recursive: true, force: true })
    rmSync(fresh, { recursive: true, force: true })
  }
  const chunks = [output].flat().flatMap(result => ('output' in result ? result.output : []))
  const modules = chunks.flatMap(chunk => (chunk.type === 'chunk' ? chunk.moduleIds : []))
  const inputs = localSources(['vite.config.ts', 'src-renderer/index.html', ...modules], root)
  writeManifest(DASHBOARD_MANIFEST, { startedAt, inputs, outputs: [`${DASHBOARD_DIR}/index.html`] }, root)
}
