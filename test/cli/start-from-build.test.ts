/**
 * `npm run relay` as the README runs it: it starts the bundle built by `npm install` (or
 * `npm run build`) without building anything, two relays started at the same moment from one
 * checkout both come up, and a missing or stale build is explained in one line (the bundles are
 * rebuilt on the spot, a stale dashboard is only reported).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { CLI_ENTRY, LISTENING_LINE, REPO_ROOT, fetchHealth, spawnNpmRelay, type CliProcess } from '../helpers/processes.js'

const LOOPBACK = ['--host', '127.0.0.1', '--port', '0', '--no-advertise']

/** Waits for the listening line, checks the relay answers there, and stops it as Ctrl-C does. */
async function comesUpAndStops(relay: CliProcess): Promise<void> {
  const port = Number(LISTENING_LINE.exec(await relay.waitForLine(LISTENING_LINE, 30_000))![3])
  expect((await fetchHealth(port)).status).toBe('ok')
  await relay.stop('SIGINT', 10_000)
  expect(relay.stdoutLines.at(-1)).toBe('relay stopped')
}

/** The launcher's own lines about the build. */
const buildLines = (relay: CliProcess) => relay.stderr.split('\n').filter(line => line.startsWith('switchboard: '))

describe('npm run relay in a built checkout', () => {
  test('two relays started at the same moment both come up, and neither builds anything', async () => {
    const relays = [spawnNpmRelay(LOOPBACK), spawnNpmRelay(LOOPBACK)]
    await Promise.all(relays.map(comesUpAndStops))
    for (const relay of relays) expect(buildLines(relay)).toEqual([])
  })
})

describe('npm run relay in a checkout whose build is missing or stale', () => {
  // A copy of the sources with this checkout's packages: the test edits and builds only the copy.
  const checkout = mkdtempSync(path.join(tmpdir(), 'switchboard-checkout-'))
  const skipped = new Set(['node_modules', 'dist', 'test', 'bench', 'assets', '.git'])
  cpSync(REPO_ROOT, checkout, { recursive: true, filter: source => !skipped.has(path.relative(REPO_ROOT, source).split(path.sep)[0]!) })
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(checkout, 'node_modules'))
  afterAll(() => rmSync(checkout, { recursive: true, force: true }))

  /** An edit, as far as the build check can tell. */
  const touch = (file: string) => {
    const now = new Date()
    utimesSync(path.join(checkout, file), now, now)
  }

  test('never built: both of two relays started together say so, build the bundles and come up', async () => {
    const relays = [spawnNpmRelay(LOOPBACK, checkout), spawnNpmRelay(LOOPBACK, checkout)]
    await Promise.all(relays.map(comesUpAndStops))
    for (const relay of relays) {
      expect(buildLines(relay)).toEqual([`switchboard: ${CLI_ENTRY} is not built; rebuilding the bundles (npm run build:bundles)`])
      expect(relay.stdout).toContain('(the dashboard is not built: run npm run build:dashboard)')
    }
  })

  test('a source newer than the bundle: named and rebuilt, once', async () => {
    touch('src-main/cli/options.ts')
    const relay = spawnNpmRelay(LOOPBACK, checkout)
    await comesUpAndStops(relay)
    expect(buildLines(relay)).toEqual([`switchboard: ${CLI_ENTRY} is older than src-main/cli/options.ts; rebuilding the bundles (npm run build:bundles)`])
    const again = spawnNpmRelay(LOOPBACK, checkout)
    await comesUpAndStops(again)
    expect(buildLines(again)).toEqual([])
  })

  test('a dashboard older than its sources: one line saying which file and what to run; the relay still starts', async () => {
    cpSync(path.join(REPO_ROOT, 'dist/renderer'), path.join(checkout, 'dist/renderer'), { recursive: true })
    // Built from the copied sources as they are now, then one of them changes.
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist/renderer.inputs.json'), 'utf8')) as { startedAt: number }
    writeFileSync(path.join(checkout, 'dist/renderer.inputs.json'), JSON.stringify({ ...manifest, startedAt: Date.now() - 1 }))
    touch('src-renderer/main.tsx')
    const relay = spawnNpmRelay(LOOPBACK, checkout)
    await comesUpAndStops(relay)
    expect(buildLines(relay)).toEqual(['switchboard: the dashboard in dist/renderer is older than src-renderer/main.tsx; run npm run build:dashboard to update it'])
    expect(relay.stdout).toMatch(/^ {2}dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m)
  })
})
