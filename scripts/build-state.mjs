// @ts-check
/**
 * What a build produced and from which files, so a start can tell a missing or stale build in a
 * few hundred stat calls (about a millisecond) instead of rebuilding. Each build step writes a
 * manifest beside its outputs listing the local source files it read; the build is stale when one
 * of them changed after the step began. Plain JavaScript on purpose: it runs on the start path,
 * where nothing may compile TypeScript.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export const REPO_ROOT = path.resolve(import.meta.dirname, '..')

/** The esbuild bundles (CLI, launcher, desktop main and preload) and the vite-built dashboard. */
export const BUNDLES_MANIFEST = 'dist/bundles.inputs.json'
export const DASHBOARD_MANIFEST = 'dist/renderer.inputs.json'

/**
 * @typedef {{ startedAt: number, inputs: string[], outputs: string[] }} Manifest
 *   Paths relative to the repository, with forward slashes; `startedAt` is when the step read its sources.
 * @typedef {{ kind: 'fresh' } | { kind: 'missing' } | { kind: 'stale', newer: string }} BuildState
 */

/**
 * Writes `contents` under a name of its own, then renames it over `file`: a reader sees the old
 * file or the new one, never half of one, even while another process builds the same file.
 * @param {string} file
 * @param {string | Uint8Array} contents
 */
export function replaceFile(file, contents) {
  mkdirSync(path.dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  writeFileSync(temporary, contents)
  renameSync(temporary, file)
}

/**
 * @param {string} manifestFile relative to `root`
 * @param {Manifest} manifest
 * @param {string} [root]
 */
export function writeManifest(manifestFile, manifest, root = REPO_ROOT) {
  replaceFile(path.join(root, manifestFile), JSON.stringify(manifest, null, 1) + '\n')
}

/**
 * Local source files among the paths a bundler reports, relative to `root`: not packages, not
 * virtual modules.
 * @param {Iterable<string>} files absolute, or relative to `root`
 * @param {string} [root]
 */
export function localSources(files, root = REPO_ROOT) {
  const sources = new Set()
  for (const file of files) {
    const relative = path.relative(root, path.resolve(root, file.split('?')[0] ?? file)).split(path.sep).join('/')
    if (file.startsWith('\0') || relative.startsWith('..') || relative.includes('node_modules/')) continue
    sources.add(relative)
  }
  return [...sources].sort()
}

/**
 * @param {string} manifestFile relative to `root`
 * @param {string} [root]
 * @returns {BuildState}
 */
export function buildState(manifestFile, root = REPO_ROOT) {
  /** @type {Manifest} */
  let manifest
  try {
    manifest = JSON.parse(readFileSync(path.join(root, manifestFile), 'utf8'))
  } catch {
    return { kind: 'missing' }
  }
  const mtime = (/** @type {string} */ file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs
  if (manifest.outputs.some(file => mtime(file) === undefined)) return { kind: 'missing' }
  for (const input of manifest.inputs) {
    const changed = mtime(input)
    // A source that is gone was renamed or deleted: the bundle still holds the old code.
    if (changed === undefined || changed > manifest.startedAt) return { kind: 'stale', newer: input }
  }
  return { kind: 'fresh' }
}
