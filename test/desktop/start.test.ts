/**
 * `npm start`: the desktop app where Electron can run, else one line saying why and the headless
 * relay. The decision is checked for every case; both outcomes run for real as child processes
 * (the Electron binary played by a script).
 */
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { launchPlan } from '../../src-main/desktop/launch-plan.js'
import { LISTENING_LINE, fetchHealth } from '../helpers/processes.js'
import { REPO_ROOT } from './fake-electron.js'

const ELECTRON_DIR = '/repo/node_modules/electron'

function plan(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = 'linux', files: Record<string, string> = {}) {
  return launchPlan({ platform, env, electronDir: ELECTRON_DIR, exists: file => file in files, readText: file => files[file] })
}

describe('launch plan', () => {
  test('Linux without X11 or Wayland: headless, whatever else is there', () => {
    expect(plan({}, 'linux', { [`${ELECTRON_DIR}/path.txt`]: 'electron', [`${ELECTRON_DIR}/dist/electron`]: '' })).toEqual({
      kind: 'headless',
      reason: 'no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)',
    })
  })

  test('a display and a downloaded binary: launch it', () => {
    const files = { [`${ELECTRON_DIR}/path.txt`]: 'electron', [`${ELECTRON_DIR}/dist/electron`]: '' }
    expect(plan({ DISPLAY: ':0' }, 'linux', files)).toEqual({ kind: 'launch', binary: `${ELECTRON_DIR}/dist/electron` })
    expect(plan({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', files).kind).toBe('launch')
    const mac = { [`${ELECTRON_DIR}/path.txt`]: 'Electron.app/Contents/MacOS/Electron', [`${ELECTRON_DIR}/dist/Electron.app/Contents/MacOS/Electron`]: '' }
    expect(plan({}, 'darwin', mac)).toEqual({ kind: 'launch', binary: `${ELECTRON_DIR}/dist/Electron.app/Contents/MacOS/Electron` })
  })

  test('a display but no binary yet: download it (Electron 42 does so on first use), except in CI', () => {
    expect(plan({ DISPLAY: ':0' })).toEqual({ kind: 'download' })
    expect(plan({}, 'win32', { [`${ELECTRON_DIR}/path.txt`]: 'electron.exe' })).toEqual({ kind: 'download' })
    expect(plan({ DISPLAY: ':0', CI: 'true' })).toEqual({ kind: 'headless', reason: 'no Electron binary is installed, and CI does not download one' })
  })

  test('ELECTRON_OVERRIDE_DIST_PATH is honoured as the electron package honours it', () => {
    expect(plan({ DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' }, 'linux', { '/opt/electron/electron': '' })).toEqual({ kind: 'launch', binary: '/opt/electron/electron' })
    expect(plan({ DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' })).toEqual({ kind: 'headless', reason: 'no Electron binary at /opt/electron/electron (ELECTRON_OVERRIDE_DIST_PATH)' })
  })
})

interface Run {
  lines: string[]
  exited: Promise<number | null>
  kill(): void
}

const runs: Run[] = []
afterEach(() => {
  for (const run of runs.splice(0)) run.kill()
})

function start(args: string[], env: Record<string, string | undefined>): Run {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1', ...env }
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key]
  const child = spawn(process.execPath, ['dist/cli/start.mjs', ...args], { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const run: Run = {
    lines: [],
    exited: new Promise(resolve => child.once('close', code => resolve(code))),
    kill: () => child.kill('SIGKILL'),
  }
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop()!
    run.lines.push(...parts)
  })
  runs.push(run)
  return run
}

async function waitForLine(run: Run, match: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const line = run.lines.find(text => match.test(text))
    if (line) return line
    if (Date.now() > deadline) throw new Error(`no line matching ${match}; got:\n${run.lines.join('\n')}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('npm start', () => {
  test('here (no Electron binary, no display): one line saying why, then the headless relay and its dashboard URL', async () => {
    const run = start(['--host', '127.0.0.1', '--port', '0', '--no-advertise'], { DISPLAY: undefined, WAYLAND_DISPLAY: undefined, ELECTRON_OVERRIDE_DIST_PATH: undefined })
    const listening = await waitForLine(run, LISTENING_LINE)
    const dashboard = await waitForLine(run, /^ {2}(dashboard|status page): http:\/\//)
    expect(run.lines[0]).toBe(
      'switchboard: not opening the desktop app: no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set). Running the headless relay instead.',
    )
    expect(run.lines[1]).toBe(listening)
    const port = Number(LISTENING_LINE.exec(listening)![3])
    expect(dashboard).toContain(`http://127.0.0.1:${port}/`)
    expect((await fetchHealth(port)).status).toBe('ok')
  })

  test('where a display and a binary exist: Electron opens the app (its built bundle) with the arguments', async () => {
    const fakeDist = mkdtempSync(path.join(tmpdir(), 'switchboard-fake-electron-'))
    const record = path.join(fakeDist, 'launched.json')
    const binary = path.join(fakeDist, 'electron')
    writeFileSync(binary, `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), runAsNode: process.env.ELECTRON_RUN_AS_NODE ?? null }))\n`)
    chmodSync(binary, 0o755)
    const run = start(['--hidden'], { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: fakeDist, ELECTRON_RUN_AS_NODE: '1' })
    expect(await run.exited).toBe(0)
    const launched = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; runAsNode: string | null }
    expect(launched).toEqual({ argv: [REPO_ROOT, '--hidden'], runAsNode: null })
    expect(existsSync(path.join(REPO_ROOT, 'dist/desktop/main.mjs'))).toBe(true)
    expect(existsSync(path.join(REPO_ROOT, 'dist/desktop/preload.cjs'))).toBe(true)
    expect(run.lines).toEqual([])
  })
})
