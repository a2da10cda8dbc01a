/**
 * Bundles the main process (ESM, one file, registry packages left to node_modules) and the preload
 * script (CommonJS, self-contained: a sandboxed preload can require nothing but `electron`).
 * `npm run build:desktop`; `npm start` and `npm run dist` run it too.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { DESKTOP_BUNDLE_DIR } from '../app-paths.js'

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..')

/**
 * src-main/version.ts reads package.json relative to its own file, which is not where the bundle
 * ends up: the bundle gets the version written in instead.
 */
function bakedVersion(): Plugin {
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
  return {
    name: 'baked-version',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]src-main[\\/]version\.ts$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(version)}`, loader: 'ts' }))
    },
  }
}

/**
 * Registry packages stay in node_modules, where electron-builder puts package.json's dependencies.
 * This repository's own workspace packages (@switchboard/*) are not among them: they are bundled,
 * from their source.
 */
function workspacePackagesBundled(): Plugin {
  return {
    name: 'workspace-packages-bundled',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, args => (args.path.startsWith('@switchboard/') ? undefined : { path: args.path, external: true }))
    },
  }
}

export async function bundleDesktop(outDir: string = path.join(REPO_ROOT, DESKTOP_BUNDLE_DIR)): Promise<void> {
  await Promise.all([
    build({
      entryPoints: [path.join(REPO_ROOT, 'src-main/desktop/main.ts')],
      outfile: path.join(outDir, 'main.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      // Electron 42 runs Node 24.
      target: 'node22',
      conditions: ['@switchboard/source'],
      sourcemap: 'linked',
      plugins: [bakedVersion(), workspacePackagesBundled()],
      logLevel: 'warning',
    }),
    build({
      entryPoints: [path.join(REPO_ROOT, 'src-main/preload/preload.ts')],
      outfile: path.join(outDir, 'preload.cjs'),
      bundle: true,
      platform: 'browser',
      format: 'cjs',
      target: 'chrome130',
      external: ['electron'],
      logLevel: 'warning',
    }),
  ])
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await bundleDesktop()
