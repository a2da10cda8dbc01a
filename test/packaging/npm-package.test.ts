/**
 * The npm package of the headless relay, as a user gets it: packed, installed from the tarball into
 * an empty folder, and run through its `switchboard-relay` bin with the published Client.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { RELAY_BIN, RELAY_PACKAGE_NAME, importedPackages, packRelay } from '../../scripts/relay-package.js'
import { pipeTwoClients } from '../helpers/clients.js'
import { CliProcess, LISTENING_LINE, REPO_ROOT, cliEnv, killLeftoverCliProcesses } from '../helpers/processes.js'

let tarball: string
let installDir: string

beforeAll(() => {
  tarball = packRelay()
  installDir = mkdtempSync(path.join(tmpdir(), 'switchboard-npm-install-'))
  writeFileSync(path.join(installDir, 'package.json'), JSON.stringify({ name: 'empty', private: true }))
  // Its dependencies come from npm's cache when it has them (CI installed the same versions).
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: installDir, stdio: 'pipe' })
}, 120_000)

afterAll(killLeftoverCliProcesses)

describe(`the npm package ${RELAY_PACKAGE_NAME}`, () => {
  test('holds the bundle with its certificate worker, the dashboard and its README, and depends on exactly what the bundle imports', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort()
    expect(files.filter(file => !file.startsWith('package/dist/renderer/assets/'))).toEqual([
      'package/README.md',
      'package/dist/cli/certificate-worker.mjs',
      'package/dist/cli/relay.mjs',
      'package/dist/renderer/icon.svg',
      'package/dist/renderer/index.html',
      'package/package.json',
    ])
    const installed = JSON.parse(readFileSync(path.join(installDir, 'node_modules', RELAY_PACKAGE_NAME, 'package.json'), 'utf8'))
    const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'))
    expect(installed.bin).toEqual({ [RELAY_BIN]: 'dist/cli/relay.mjs' })
    expect(installed.engines).toEqual(root.engines)
    expect(Object.keys(installed.dependencies)).toEqual(importedPackages(readFileSync(path.join(REPO_ROOT, 'dist/cli/relay.mjs'), 'utf8')))
    expect(installed.dependencies).not.toHaveProperty('electron-store')
  })

  test(`${RELAY_BIN} --port 0 --no-advertise serves two published Clients and the dashboard, and SIGTERM ends it with 0`, async () => {
    const config = mkdtempSync(path.join(tmpdir(), 'switchboard-npm-config-'))
    const relay = new CliProcess(path.join(installDir, 'node_modules', '.bin', RELAY_BIN), ['--port', '0', '--no-advertise'], cliEnv({ XDG_CONFIG_HOME: config }), installDir)
    const match = LISTENING_LINE.exec(await relay.waitForLine(LISTENING_LINE))!
    const url = match[2]!
    await pipeTwoClients(url)
    const dashboard = await fetch(`http://localhost:${match[3]}/`)
    expect(dashboard.status).toBe(200)
    expect(await dashboard.text()).toContain('<div id="root">')
    expect(await relay.stop('SIGTERM', 10_000)).toMatchObject({ code: 0, signal: null })
  })

  test('the bundle imports registry packages by name, never by path', () => {
    expect(importedPackages('import { a } from "ws";\nimport b from "@scope/pkg/sub";\nimport "node:fs";\nimport c from "./local.js";\nconst d = await import("msgpackr")')).toEqual(['@scope/pkg', 'msgpackr', 'ws'])
  })
})
