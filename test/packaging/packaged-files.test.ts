/**
 * What an installer would contain, as electron-builder itself computes it from electron-builder.yml
 * (a real `--dir` packaging run with a stand-in Electron binary that has a fuse wire), and the
 * rules it must keep.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { REQUIRED_FUSES, loadBuilderConfig } from '../../scripts/builder-config.js'
import { configuredFuses, fuseProblems } from '../../scripts/fuse-wire.js'
import { installedTree, packageForInspection, packagedFileProblems, type PackagedApp } from '../../scripts/packaged-files.js'

describe('the packaged app', () => {
  let app: PackagedApp
  beforeAll(async () => {
    app = await packageForInspection()
  }, 180_000)

  test('holds the bundles, the dashboard, the icons and the runtime dependencies, and nothing it must not', () => {
    expect(packagedFileProblems(app, installedTree())).toEqual([])
    expect(app.files).toEqual(
      expect.arrayContaining(['package.json', 'dist/desktop/main.mjs', 'dist/desktop/relay-host.mjs', 'dist/desktop/certificate-worker.mjs', 'dist/desktop/preload.cjs', 'dist/renderer/index.html', 'assets/tray/tray-idle.png', 'node_modules/ws/package.json', 'node_modules/electron-store/package.json']),
    )
    const topLevel = new Set(app.files.map(file => file.split('/')[0]))
    expect([...topLevel].sort()).toEqual(['assets', 'dist', 'node_modules', 'package.json'])
    expect(app.files.filter(file => /^node_modules\/(electron|vite|vitest|@localfirst\/relay|@switchboard\/lan-mdns)\//.test(file))).toEqual([])
  })

  test('its binary carries the fuses electron-builder.yml sets, the hardened ones among them', async () => {
    expect(fuseProblems(app.fuses, configuredFuses(await loadBuilderConfig()))).toEqual([])
    expect(app.fuses).toMatchObject(REQUIRED_FUSES)
  })

  test('native modules are outside app.asar, where Electron can load them', () => {
    const native = app.files.filter(file => file.endsWith('.node'))
    // msgpackr-extract's prebuilds for this platform, at least.
    expect(native.length).toBeGreaterThan(0)
    expect(native.filter(file => !app.unpacked.has(file))).toEqual([])
  })
})

describe('the rules', () => {
  test('a test file, TypeScript, a devDependency, a package npm never installed and a packed .node file are each reported', () => {
    const app: PackagedApp = {
      files: [
        'dist/desktop/main.mjs',
        'node_modules/thunky/test.js',
        'node_modules/json-schema-traverse/spec/index.spec.js',
        'node_modules/ajv/lib/core.ts',
        'node_modules/vite/package.json',
        'node_modules/mystery/package.json',
        'node_modules/ws/package.json',
        'node_modules/ws/lib/esm/package.json',
        'node_modules/bufferutil/prebuilds/linux-x64/bufferutil.node',
        'node_modules/msgpackr-extract-linux-x64/node.napi.glibc.node',
        'node_modules/latest/attest.js',
      ],
      unpacked: new Set(['node_modules/msgpackr-extract-linux-x64/node.napi.glibc.node']),
      fuses: {},
    }
    const tree = { packages: { 'node_modules/vite': { dev: true }, 'node_modules/ws': {}, 'node_modules/latest': {} } }
    expect(packagedFileProblems(app, tree)).toEqual([
      'test file: node_modules/thunky/test.js',
      'test file: node_modules/json-schema-traverse/spec/index.spec.js',
      'TypeScript: node_modules/ajv/lib/core.ts',
      'native module inside app.asar (cannot be loaded from there): node_modules/bufferutil/prebuilds/linux-x64/bufferutil.node',
      'devDependency: node_modules/vite',
      'package npm did not install: node_modules/mystery',
    ])
  })

  test('a fuse the binary has otherwise than configured, or not at all, is reported', () => {
    expect(fuseProblems({ runAsNode: true, onlyLoadAppFromAsar: true }, { runAsNode: false, onlyLoadAppFromAsar: true, enableCookieEncryption: true })).toEqual([
      'fuse runAsNode is true, should be false',
      'fuse enableCookieEncryption is missing, should be true',
    ])
  })
})
