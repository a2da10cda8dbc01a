/**
 * `npm run pack:relay`: the npm package of the headless relay, `@switchboard/relay`, packed into
 * dist/. Not the root package: that one is the desktop app (its `main` is Electron's, its
 * dependencies include electron-store), and an installed relay needs none of it. This package is
 * built from the same bundle: dist/cli/relay.mjs as the `switchboard-relay` bin (its certificate worker beside it), the built
 * dashboard it serves, and exactly the registry packages the bundle imports, at the versions the
 * root package pins.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const REPO_ROOT = path.resolve(import.meta.dirname, '..')
export const RELAY_PACKAGE_NAME = '@switchboard/relay'
export const RELAY_BIN = 'switchboard-relay'
const RELAY_BUNDLE = 'dist/cli/relay.mjs'
/** Runs the X.509 work off the relay's thread; the relay finds it beside itself. */
const CERTIFICATE_WORKER = 'dist/cli/certificate-worker.mjs'
const DASHBOARD_DIR = 'dist/renderer'
const STAGING_DIR = 'dist/relay-package'

interface PackageJson {
  version: string
  license?: string
  engines?: Record<string, string>
  dependencies?: Record<string, string>
}

/** Registry packages a bundle imports (static imports and dynamic import() of a string). */
export function importedPackages(bundle: string): string[] {
  const specifiers = [...bundle.matchAll(/(?:\bfrom|\bimport\(?)\s*["']([^"'./][^"']*)["']/g)].map(match => match[1]!)
  const packages = specifiers
    .filter(specifier => !specifier.startsWith('node:'))
    .map(specifier => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'))
    .filter(name => !builtinModules.includes(name))
  return [...new Set(packages)].sort()
}

/** package.json of the relay package, from the root package and what the bundle imports. */
export function relayPackageJson(root: PackageJson, bundle: string): Record<string, unknown> {
  const dependencies = Object.fromEntries(
    importedPackages(bundle).map(name => {
      const version = root.dependencies?.[name]
      if (!version) throw new Error(`the relay bundle imports ${name}, which the root package.json does not list in "dependencies"`)
      return [name, version]
    }),
  )
  return {
    name: RELAY_PACKAGE_NAME,
    version: root.version,
    description: 'The headless Switchboard relay: a LAN relay for @localfirst/relay v4 clients, announced over mDNS, with a live dashboard.',
    license: root.license,
    type: 'module',
    bin: { [RELAY_BIN]: RELAY_BUNDLE },
    files: [RELAY_BUNDLE, CERTIFICATE_WORKER, DASHBOARD_DIR],
    engines: root.engines,
    dependencies,
  }
}

/** Stages the package in dist/relay-package and packs it into dist/; returns the tarball's path. */
export function packRelay(projectDir = REPO_ROOT): string {
  const staging = path.join(projectDir, STAGING_DIR)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(path.join(staging, path.dirname(RELAY_BUNDLE)), { recursive: true })
  const bundle = readFileSync(path.join(projectDir, RELAY_BUNDLE), 'utf8')
  const root = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as PackageJson
  // The source maps stay behind: they are for debugging this checkout, not for running.
  for (const file of [RELAY_BUNDLE, CERTIFICATE_WORKER]) {
    const code = readFileSync(path.join(projectDir, file), 'utf8')
    writeFileSync(path.join(staging, file), code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'))
  }
  cpSync(path.join(projectDir, DASHBOARD_DIR), path.join(staging, DASHBOARD_DIR), { recursive: true })
  cpSync(path.join(projectDir, 'packaging/npm/README.md'), path.join(staging, 'README.md'))
  writeFileSync(path.join(staging, 'package.json'), JSON.stringify(relayPackageJson(root, bundle), null, 2) + '\n')
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', path.join(projectDir, 'dist')], { cwd: staging, encoding: 'utf8' })
  const [{ filename }] = JSON.parse(output) as [{ filename: string }]
  return path.join(projectDir, 'dist', filename)
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  console.log(packRelay())
}
