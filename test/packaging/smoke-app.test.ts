/**
 * The desktop smoke test's app (smoke/desktop/smoke-app.ts): built from electron-builder.yml with
 * one fuse changed, and found where electron-builder puts it on each system. The smoke test itself
 * needs an Electron binary and runs in the release workflow, not here.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadBuilderConfig } from '../../scripts/builder-config.js'
import { SMOKE_APP_DIR, SMOKE_BUILD_CONFIG, cannotRunReason, smokeAppExecutable } from '../../smoke/desktop/smoke-app.js'

describe('the smoke test\'s app', () => {
  test('is the installers\' configuration, valid to electron-builder, with only the --inspect fuse on and its own output folder', async () => {
    const shipped = await loadBuilderConfig()
    const smoke = await loadBuilderConfig(undefined, undefined, SMOKE_BUILD_CONFIG)
    expect(shipped.electronFuses?.enableNodeCliInspectArguments).toBe(false)
    expect(smoke.electronFuses).toEqual({ ...shipped.electronFuses, enableNodeCliInspectArguments: true })
    expect(smoke.directories).toEqual({ ...shipped.directories, output: SMOKE_APP_DIR })
    const { electronFuses: _smokeFuses, directories: _smokeDirectories, ...smokeRest } = smoke
    const { electronFuses: _fuses, directories: _directories, ...shippedRest } = shipped
    expect(smokeRest).toEqual(shippedRest)
  })

  test.each([
    ['linux', 'linux-unpacked/switchboard'],
    ['linux', 'linux-arm64-unpacked/switchboard'],
    ['win32', 'win-unpacked/Switchboard.exe'],
    ['darwin', 'mac/Switchboard.app/Contents/MacOS/Switchboard'],
    ['darwin', 'mac-arm64/Switchboard.app/Contents/MacOS/Switchboard'],
  ] as const)('on %s it is %s', (platform, file) => {
    const project = mkdtempSync(path.join(tmpdir(), 'switchboard-smoke-app-'))
    expect(smokeAppExecutable(project, platform)).toBeUndefined()
    const executable = path.join(project, SMOKE_APP_DIR, file)
    mkdirSync(path.dirname(executable), { recursive: true })
    writeFileSync(executable, '')
    expect(smokeAppExecutable(project, platform)).toBe(executable)
  })

  test('it cannot run without the packaged app, nor on Linux without a display, and says so', () => {
    const project = mkdtempSync(path.join(tmpdir(), 'switchboard-smoke-app-'))
    expect(cannotRunReason(project, { DISPLAY: ':99' }, 'linux')).toMatch(/no packaged app with an Electron binary in dist\/smoke-app/)
    const executable = path.join(project, SMOKE_APP_DIR, 'linux-unpacked', 'switchboard')
    mkdirSync(path.dirname(executable), { recursive: true })
    writeFileSync(executable, '')
    expect(cannotRunReason(project, {}, 'linux')).toMatch(/no display/)
    expect(cannotRunReason(project, { DISPLAY: ':99' }, 'linux')).toBeUndefined()
  })
})
