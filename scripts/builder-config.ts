/**
 * Checks electron-builder.yml offline: electron-builder's own loader and schema validation (the
 * same code `electron-builder` runs before packaging), then what this app needs from it that no
 * schema knows: every target, the hardened fuses, the macOS network keys, icons that exist, and
 * files that cover what the app loads. `npm run check:builder-config`; CI and the tests run it.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, type Stats } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Configuration } from 'electron-builder'
import { SERVICE_TYPE } from '@switchboard/lan-mdns/relay-service'
import { APP_ID } from '../src-main/desktop/app-identity.js'
import { MAIN_BUNDLE, PRELOAD_BUNDLE, TRAY_ICONS_DIR } from '../src-main/desktop/app-paths.js'

const REPO_ROOT = path.resolve(import.meta.dirname, '..')
export const BUILDER_CONFIG_FILE = 'electron-builder.yml'

/** electron-builder's internals, reached from its own location so the versions always match. */
const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'))
const { getConfig, validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: Configuration | null): Promise<Configuration>
  validateConfiguration(config: Configuration, debugLogger: unknown): Promise<void>
}
const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
const { FileMatcher } = builderRequire('app-builder-lib/out/fileMatcher') as {
  FileMatcher: new (from: string, to: string, expand: (pattern: string) => string, patterns: string[]) => {
    createFilter(): (file: string, stat: Stats & { moduleFullFilePath?: string }) => boolean
  }
}

/**
 * ws unmasks frames with bufferutil's prebuilt binary when it loads; Electron cannot dlopen a .node
 * file from inside the asar, so each must be unpacked. Every platform and arch an installer targets
 * needs its prebuild in the package.
 */
export const NATIVE_PREBUILDS = { package: 'bufferutil', platforms: ['linux-x64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-ia32'] } as const

export const REQUIRED_FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  onlyLoadAppFromAsar: true,
  enableCookieEncryption: true,
} as const

/** Sets the asar integrity fuse per platform; see the file for which and why. */
export const INTEGRITY_FUSE_HOOK = 'scripts/asar-integrity-fuse.mjs'

/**
 * Loads and validates the configuration, with `overrides` merged over the file as electron-builder
 * merges a build's `config` option; throws electron-builder's own error when the schema refuses it.
 */
export async function loadBuilderConfig(projectDir = REPO_ROOT, file = BUILDER_CONFIG_FILE, overrides: Configuration | null = null): Promise<Configuration> {
  // electron-builder merges into the object it is given.
  const config = await getConfig(projectDir, path.resolve(projectDir, file), overrides && structuredClone(overrides))
  await validateConfiguration(config, new DebugLogger(false))
  return config
}

/** What this app needs beyond a valid file; an empty list when all is well. */
export function appRequirementProblems(config: Configuration, projectDir = REPO_ROOT): string[] {
  const problems: string[] = []
  const targets = (platform: 'mac' | 'win' | 'linux') => [config[platform]?.target ?? []].flat().map(target => (typeof target === 'string' ? target : target.target))
  for (const [platform, wanted] of [['linux', 'AppImage'], ['linux', 'deb'], ['win', 'nsis'], ['mac', 'dmg']] as const) {
    if (!targets(platform).includes(wanted)) problems.push(`${platform}.target lacks ${wanted}`)
  }
  for (const [fuse, value] of Object.entries(REQUIRED_FUSES)) {
    const actual = (config.electronFuses as Record<string, unknown> | null | undefined)?.[fuse]
    if (actual !== value) problems.push(`electronFuses.${fuse} must be ${value}, is ${String(actual)}`)
  }
  // For every platform it would stop Windows builds made on Linux or signed after packing from starting.
  if ((config.electronFuses as Record<string, unknown> | null | undefined)?.enableEmbeddedAsarIntegrityValidation !== undefined) {
    problems.push(`electronFuses.enableEmbeddedAsarIntegrityValidation must be left to ${INTEGRITY_FUSE_HOOK} (afterPack), which sets it where the build supports it`)
  }
  if (config.afterPack !== INTEGRITY_FUSE_HOOK) problems.push(`afterPack must be ${INTEGRITY_FUSE_HOOK}, is ${String(config.afterPack)}`)
  if (config.asar === false) problems.push('asar must stay on: the onlyLoadAppFromAsar fuse needs it')
  const info = config.mac?.extendInfo as Record<string, unknown> | undefined
  if (typeof info?.NSLocalNetworkUsageDescription !== 'string' || info.NSLocalNetworkUsageDescription.length === 0) {
    problems.push('mac.extendInfo.NSLocalNetworkUsageDescription is missing: macOS 15+ blocks LAN traffic without it')
  }
  if (!Array.isArray(info?.NSBonjourServices) || !info.NSBonjourServices.includes(SERVICE_TYPE)) {
    problems.push(`mac.extendInfo.NSBonjourServices must list ${SERVICE_TYPE}`)
  }
  for (const platform of ['mac', 'win', 'linux'] as const) {
    const icon = config[platform]?.icon
    if (!icon) problems.push(`${platform}.icon is not set`)
    else if (!existsSync(path.join(projectDir, icon))) problems.push(`${platform}.icon ${icon} does not exist`)
  }
  if (config.appId !== APP_ID) problems.push(`appId must be ${APP_ID} (the app's AppUserModelId on Windows), is ${String(config.appId)}`)
  if (![config.asarUnpack ?? []].flat().some(pattern => covers(pattern, `${TRAY_ICONS_DIR}/tray-idle.ico`))) {
    problems.push(`asarUnpack must include ${TRAY_ICONS_DIR}/**: Windows tray icons read from inside app.asar go blank`)
  }
  const files = filePatterns(config.files)
  for (const needed of [MAIN_BUNDLE, PRELOAD_BUNDLE, 'dist/renderer/index.html', 'assets/tray/tray-idle.png']) {
    if (!files.some(pattern => covers(pattern, needed))) problems.push(`files does not include ${needed}`)
  }
  const { main } = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as { main?: string }
  if (main !== MAIN_BUNDLE) problems.push(`package.json "main" must be ${MAIN_BUNDLE}, is ${String(main)}`)
  problems.push(...nativePrebuildProblems(config, projectDir))
  return problems
}

/**
 * The installed prebuilds, matched against asarUnpack by electron-builder's own matcher, under the
 * path electron-builder gives a dependency's file (node_modules/<package>/...).
 */
function nativePrebuildProblems(config: Configuration, projectDir: string): string[] {
  const packageDir = `node_modules/${NATIVE_PREBUILDS.package}`
  const prebuilds = path.join(projectDir, packageDir, 'prebuilds')
  if (!existsSync(prebuilds)) return [`${packageDir}/prebuilds is missing: run npm install`]
  const problems: string[] = []
  const unpack = new FileMatcher(projectDir, projectDir, pattern => pattern, [config.asarUnpack ?? []].flat()).createFilter()
  for (const platform of NATIVE_PREBUILDS.platforms) {
    const dir = path.join(prebuilds, platform)
    const binaries = existsSync(dir) ? readdirSync(dir).filter(name => name.endsWith('.node')) : []
    if (binaries.length === 0) problems.push(`${packageDir} has no prebuild for ${platform}`)
    for (const name of binaries) {
      const relative = `${packageDir}/prebuilds/${platform}/${name}`
      const stat = Object.assign(lstatSync(path.join(dir, name)), { moduleFullFilePath: relative })
      if (!unpack(path.join(dir, name), stat)) problems.push(`asarUnpack does not cover ${relative}: Electron cannot load it from inside the asar`)
    }
  }
  return problems
}

/** Patterns taken from the app's root: electron-builder's loader turns a plain list into one FileSet. */
function filePatterns(files: Configuration['files']): string[] {
  return [files ?? []].flat().flatMap(entry => {
    if (typeof entry === 'string') return [entry]
    if (entry.from !== undefined && entry.from !== '.') return []
    return [entry.filter ?? []].flat()
  })
}

/** Enough of electron-builder's globs for the patterns this file uses: exact paths and `dir/**`. */
function covers(pattern: string, file: string): boolean {
  if (pattern.endsWith('/**')) return file.startsWith(pattern.slice(0, -2))
  return pattern === file
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const problems = appRequirementProblems(await loadBuilderConfig())
  for (const problem of problems) console.error(`${BUILDER_CONFIG_FILE}: ${problem}`)
  if (problems.length > 0) process.exit(1)
  console.log(`${BUILDER_CONFIG_FILE} is valid`)
}
