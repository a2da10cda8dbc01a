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
import { READY_LINE, launchOutcome } from '../../src-main/desktop/launch-outcome.js'
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
  /** stderr, as one string. */
  errors: string
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
    errors: '',
    exited: new Promise(resolve => child.once('close', code => resolve(code))),
    kill: () => child.kill('SIGKILL'),
  }
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop()!
    run.lines.push(...parts)
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (run.errors += chunk))
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

/** Chromium's fatal start-up lines, as Electron 42 prints them where the sandbox cannot be set up. */
const SUID_ABORT =
  '[1234:FATAL:sandbox/linux/suid/client/setuid_sandbox_host.cc:163] The SUID sandbox helper binary was found, but is not configured correctly. ' +
  "Rather than run without sandboxing I'm aborting now. You need to make sure that /repo/node_modules/electron/dist/chrome-sandbox is owned by root and has mode 4755."
const APPARMOR_ABORT =
  '[1234:FATAL:content/browser/zygote_host/zygote_host_impl_linux.cc:128] No usable sandbox! If you are running on Ubuntu 23.10+ or another Linux distro ' +
  'that has disabled unprivileged user namespaces with AppArmor, see https://chromium.googlesource.com/chromium/src/+/main/docs/security/apparmor-userns-restrictions.md.'

/** A stand-in Electron binary: a Node script with `body`, executable unless `mode` says otherwise. */
function fakeElectron(body: string, mode = 0o755): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-fake-electron-'))
  writeFileSync(path.join(dir, 'electron'), `#!${process.execPath}\n${body}\n`)
  chmodSync(path.join(dir, 'electron'), mode)
  return dir
}

/** Electron aborting as Chromium does on a failed CHECK: the line on stderr, then SIGTRAP. */
const aborting = (line: string) => `process.stderr.write(${JSON.stringify(`${line}\n`)}); process.kill(process.pid, 'SIGTRAP')`

describe('npm start when Electron cannot run here', () => {
  const relayArgs = ['--host', '127.0.0.1', '--port', '0', '--no-advertise']

  test.each([
    ['the sandbox helper is not set up (AppArmor, Ubuntu 24.04)', fakeElectron(aborting(SUID_ABORT)), /^switchboard: not opening the desktop app: Electron's sandbox helper is not set up .*run sudo chown root:root \S+\/chrome-sandbox && sudo chmod 4755 \S+\/chrome-sandbox, or allow user namespaces for \S+ with an AppArmor profile\. Running the headless relay instead\.$/],
    ['AppArmor leaves no usable sandbox', fakeElectron(aborting(APPARMOR_ABORT)), /^switchboard: not opening the desktop app: AppArmor \(Ubuntu 23\.10\+\) does not let Electron create its sandbox; allow user namespaces .* with an AppArmor profile, or run sudo chown root:root .*\. Running the headless relay instead\.$/],
    ['the binary may not be executed (EACCES)', fakeElectron('', 0o644), /^switchboard: not opening the desktop app: the Electron binary \S+ may not be run \(EACCES\); make it executable \(chmod \+x\) or reinstall it .*\. Running the headless relay instead\.$/],
    ['it ends by a signal before the app is up', fakeElectron("process.kill(process.pid, 'SIGSEGV')"), /^switchboard: not opening the desktop app: Electron ended by SIGSEGV before the app started\. Running the headless relay instead\.$/],
    ['it exits with an error before the app is up', fakeElectron('process.exit(7)'), /^switchboard: not opening the desktop app: Electron exited with code 7 before the app started\. Running the headless relay instead\.$/],
  ])('%s: one line saying what to do, then the headless relay really runs', async (_case, dist, line) => {
    const run = start(relayArgs, { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: dist })
    const listening = await waitForLine(run, LISTENING_LINE)
    expect(run.lines[0]).toMatch(line)
    expect(run.lines[1]).toBe(listening)
    expect((await fetchHealth(Number(LISTENING_LINE.exec(listening)![3]))).status).toBe('ok')
  })

  test('Chromium\'s own fatal line still reaches the terminal', async () => {
    const run = start(relayArgs, { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: fakeElectron(aborting(SUID_ABORT)) })
    await waitForLine(run, LISTENING_LINE)
    expect(run.errors).toContain('The SUID sandbox helper binary was found')
  })

  test('once the app reported it is up, its exit code is passed on and nothing else starts; the ready line is not shown', async () => {
    const run = start(relayArgs, { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: fakeElectron(`process.stderr.write(${JSON.stringify(`${READY_LINE}\nlater problem\n`)}); process.exit(3)`) })
    expect(await run.exited).toBe(3)
    expect(run.lines).toEqual([])
    expect(run.errors).toBe('later problem\n')
  })

  test('a second launch handing over to the running app (exit 0 before ready) starts nothing', async () => {
    const run = start(relayArgs, { DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: fakeElectron('process.exit(0)') })
    expect(await run.exited).toBe(0)
    expect(run.lines).toEqual([])
  })

  test('Ctrl-C passed on to Electron is not a failure to fall back from', () => {
    const end = { binary: '/e/electron', stderr: '', ready: false, interrupted: true }
    expect(launchOutcome({ ...end, code: null, signal: 'SIGINT' })).toEqual({ kind: 'exit', code: 1 })
    expect(launchOutcome({ ...end, interrupted: false, code: null, signal: 'SIGINT' }).kind).toBe('headless')
  })
})
