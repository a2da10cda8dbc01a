// @ts-check
/**
 * The esbuild bundles: everything that runs in Node or Electron becomes one JavaScript file, so no
 * TypeScript is compiled at run time. Local code (this repository, including local workspace
 * packages) is bundled; registry packages stay imports, and a bundle may import only the packages
 * package.json `dependencies` lists (what an installer ships), plus what its runtime provides.
 */
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { build } from 'esbuild'
import { BUNDLES_MANIFEST, REPO_ROOT, localSources, replaceFile, writeManifest } from './build-state.mjs'

/**
 * @typedef {{ entry: string, outfile: string, kind: 'node' | 'electron-main' | 'preload', provided?: string[] }} Bundle
 *   `provided`: packages the process finds at run time besides `dependencies` (Electron's own module,
 *   the bench's published relay).
 */

/** @type {Bundle[]} */
export const PRODUCT_BUNDLES = [
  { entry: 'src-main/cli/relay.ts', outfile: 'dist/cli/relay.mjs', kind: 'node' },
  // Beside each bundle that runs a relay node: certificate-authority.ts looks for it there.
  { entry: 'src-main/tls/certificate-worker.ts', outfile: 'dist/cli/certificate-worker.mjs', kind: 'node' },
  { entry: 'src-main/cli/start.ts', outfile: 'dist/cli/start.mjs', kind: 'node' },
  { entry: 'src-main/desktop/main.ts', outfile: 'dist/desktop/main.mjs', kind: 'electron-main', provided: ['electron'] },
  { entry: 'src-main/desktop/relay-host/entry.ts', outfile: 'dist/desktop/relay-host.mjs', kind: 'node' },
  { entry: 'src-main/tls/certificate-worker.ts', outfile: 'dist/desktop/certificate-worker.mjs', kind: 'node' },
  { entry: 'src-main/preload/preload.ts', outfile: 'dist/desktop/preload.cjs', kind: 'preload' },
]

/** @param {string} root */
const packageJson = root => JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))

/**
 * src-main/version.ts reads package.json relative to its own file, which is not where a bundle
 * ends up: bundles get the version written in instead.
 * @param {string} version
 * @returns {import('esbuild').Plugin}
 */
function bakedVersion(version) {
  return {
    name: 'baked-version',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]src-main[\\/]version\.ts$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(version)}`, loader: 'ts' }))
    },
  }
}

const BUILTINS = new Set(builtinModules)
/** @param {string} specifier */
const packageOf = specifier => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')

/**
 * Leaves allowed packages as imports, bundles local workspace packages (they resolve outside
 * node_modules), and refuses any other package: it would be missing from an installed app.
 * @param {Set<string>} allowed
 * @returns {import('esbuild').Plugin}
 */
function onlyDeclaredPackages(allowed) {
  return {
    name: 'only-declared-packages',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, async args => {
        if (args.path.startsWith('node:') || BUILTINS.has(args.path) || BUILTINS.has(packageOf(args.path))) return { path: args.path, external: true }
        if (allowed.has(packageOf(args.path))) return { path: args.path, external: true }
        if (args.pluginData === 'resolving') return undefined
        const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' })
        if (resolved.errors.length > 0 || !resolved.path.split(path.sep).includes('node_modules')) return resolved
        return { errors: [{ text: `${packageOf(args.path)} is imported at run time but is not in package.json "dependencies"` }] }
      })
    },
  }
}

/**
 * Builds `bundles` (and their source maps) and the manifest of what they were built from. Each file
 * is written beside its final name and renamed into place.
 * @param {{ bundles?: Bundle[], root?: string, outRoot?: string, manifest?: string | undefined }} [options]
 *   `outRoot`: where the bundles' `outfile` paths start (default: the repository);
 *   `manifest`: where to record the inputs (BUNDLES_MANIFEST for the product; none for other builds).
 */
export async function buildBundles({ bundles = PRODUCT_BUNDLES, root = REPO_ROOT, outRoot = root, manifest = BUNDLES_MANIFEST } = {}) {
  const startedAt = Date.now()
  const pkg = packageJson(root)
  const dependencies = Object.keys(pkg.dependencies ?? {})
  const results = await Promise.all(
    bundles.map(bundle => {
      /** @type {import('esbuild').BuildOptions} */
      const common = {
        absWorkingDir: root,
        entryPoints: [path.join(root, bundle.entry)],
        outfile: path.join(outRoot, bundle.outfile),
        bundle: true,
        // A local workspace package may point this condition at its TypeScript source: the bundle is
        // then built from the sources (which the manifest records), not from the package's own build.
        conditions: ['@switchboard/source'],
        write: false,
        metafile: true,
        logLevel: 'warning',
      }
      if (bundle.kind === 'preload') {
        // A sandboxed preload can require nothing but `electron`: everything else goes in.
        return build({ ...common, platform: 'browser', format: 'cjs', target: 'chrome130', external: ['electron'] })
      }
      return build({
        ...common,
        platform: 'node',
        format: 'esm',
        // Electron 42 runs Node 24; the CLI runs on the Node version package.json's engines names.
        target: bundle.kind === 'electron-main' ? 'node22' : 'node20',
        sourcemap: 'linked',
        // The headless relay is the npm package's `bin` (scripts/relay-package.ts): runnable by itself.
        ...(bundle.kind === 'node' ? { banner: { js: '#!/usr/bin/env node' } } : {}),
        plugins: [bakedVersion(pkg.version), onlyDeclaredPackages(new Set([...dependencies, ...(bundle.provided ?? [])]))],
      })
    }),
  )
  for (const result of results) for (const file of result.outputFiles ?? []) replaceFile(file.path, file.contents)
  if (manifest) {
    // This file too: how the bundles are made (their banner, targets) is part of what they are.
    const inputs = localSources(['package.json', 'scripts/bundles.mjs', ...results.flatMap(result => Object.keys(result.metafile?.inputs ?? {}))], root)
    writeManifest(manifest, { startedAt, inputs, outputs: bundles.map(bundle => bundle.outfile) }, root)
  }
}
