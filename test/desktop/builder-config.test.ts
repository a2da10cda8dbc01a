/**
 * electron-builder.yml, validated offline by electron-builder's own loader and schema (what it
 * runs before packaging), and checked for what the app needs: targets, fuses, macOS keys, icons.
 */
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { BUILDER_CONFIG_FILE, INTEGRITY_FUSE_HOOK, NATIVE_PREBUILDS, REQUIRED_FUSES, appRequirementProblems, loadBuilderConfig } from '../../scripts/builder-config.js'
import { REPO_ROOT } from './fake-electron.js'

/** A copy of the project's config (and what it refers to) with `edit` applied to the YAML text. */
function editedProject(edit: (yaml: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-builder-'))
  cpSync(path.join(REPO_ROOT, 'assets'), path.join(dir, 'assets'), { recursive: true })
  cpSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'))
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  writeFileSync(path.join(dir, BUILDER_CONFIG_FILE), edit(readFileSync(path.join(REPO_ROOT, BUILDER_CONFIG_FILE), 'utf8')))
  return dir
}

describe('electron-builder configuration', () => {
  test('passes electron-builder\'s own validation and has everything the app needs', async () => {
    const config = await loadBuilderConfig()
    expect(appRequirementProblems(config)).toEqual([])
    expect(config.electronFuses).toMatchObject(REQUIRED_FUSES)
    expect(config.mac?.extendInfo).toMatchObject({ NSBonjourServices: ['_lf-relay._tcp'], NSLocalNetworkUsageDescription: expect.any(String) })
  })

  test('electron-builder\'s validation rejects an option it does not know (so the check is real)', async () => {
    const dir = editedProject(yaml => yaml.replace('extendInfo:', 'extendInfos:'))
    await expect(loadBuilderConfig(dir)).rejects.toThrow(/configuration/i)
  })

  test('a weakened fuse, a missing Bonjour service, a missing target or icon is reported', async () => {
    const dir = editedProject(yaml =>
      yaml
        .replace('runAsNode: false', 'runAsNode: true')
        .replace('      - _lf-relay._tcp\n', '      - _http._tcp\n')
        .replace('    - deb\n', '')
        .replace('icon: assets/icon.ico', 'icon: assets/missing.ico')
        .replace('appId: org.switchboard.relay', 'appId: com.electron.switchboard')
        .replace('  - assets/tray/**\n# The prebuilds', '  - assets/icon.png\n# The prebuilds'),
    )
    const problems = appRequirementProblems(await loadBuilderConfig(dir), dir)
    expect(problems).toEqual([
      'linux.target lacks deb',
      'electronFuses.runAsNode must be false, is true',
      'mac.extendInfo.NSBonjourServices must list _lf-relay._tcp',
      'win.icon assets/missing.ico does not exist',
      "appId must be org.switchboard.relay (the app's AppUserModelId on Windows), is com.electron.switchboard",
      'asarUnpack must include assets/tray/**: Windows tray icons read from inside app.asar go blank',
    ])
  })
})

describe('the asar integrity fuse, per build path', () => {
  /** electron-builder's packager as the hook uses it: it turns fuse options into a config and flips them. */
  function packager() {
    const flipped: unknown[] = []
    return {
      flipped,
      generateFuseConfig: async (fuses: object) => ({ version: '1', ...fuses }),
      addElectronFuses: async (_context: unknown, fuses: unknown) => void flipped.push(fuses),
    }
  }

  test('on for macOS builds; off for Windows (a build on Linux, or signed after packing, would not start) and Linux', async () => {
    const config = await loadBuilderConfig()
    expect(config.afterPack).toBe(INTEGRITY_FUSE_HOOK)
    const { default: hook, INTEGRITY_FUSE_PLATFORMS } = await import(path.join(REPO_ROOT, INTEGRITY_FUSE_HOOK))
    expect(INTEGRITY_FUSE_PLATFORMS).toEqual(['darwin', 'mas'])
    for (const [platform, expected] of [['darwin', [{ version: '1', enableEmbeddedAsarIntegrityValidation: true }]], ['mas', [{ version: '1', enableEmbeddedAsarIntegrityValidation: true }]], ['win32', []], ['linux', []]] as const) {
      const builder = packager()
      await hook({ electronPlatformName: platform, packager: builder })
      expect(builder.flipped, platform).toEqual(expected)
    }
  })

  test('the fuse set for every platform, or no hook, is reported', async () => {
    const dir = editedProject(yaml => yaml.replace('afterPack: scripts/asar-integrity-fuse.mjs\n', '').replace('  onlyLoadAppFromAsar: true', '  onlyLoadAppFromAsar: true\n  enableEmbeddedAsarIntegrityValidation: true'))
    expect(appRequirementProblems(await loadBuilderConfig(dir), dir)).toEqual([
      'electronFuses.enableEmbeddedAsarIntegrityValidation must be left to scripts/asar-integrity-fuse.mjs (afterPack), which sets it where the build supports it',
      'afterPack must be scripts/asar-integrity-fuse.mjs, is undefined',
    ])
  })

  test('every bufferutil prebuild is unpacked from the asar; a config that unpacks only some is reported', async () => {
    const config = await loadBuilderConfig()
    expect(config.asarUnpack).toBeDefined()
    const dir = editedProject(yaml => yaml.replace('  - "**/*.node"', '  - "**/linux-x64/*.node"'))
    const problems = appRequirementProblems(await loadBuilderConfig(dir), dir)
    expect(problems).toEqual(
      NATIVE_PREBUILDS.platforms
        .filter(platform => platform !== 'linux-x64')
        .map(platform => `asarUnpack does not cover node_modules/bufferutil/prebuilds/${platform}/bufferutil.node: Electron cannot load it from inside the asar`),
    )
  })
})
