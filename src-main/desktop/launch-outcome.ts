/**
 * What `npm start` does once Electron ended: pass its exit code on, or, when the app never came up
 * (the binary could not be started, or Chromium aborted at start-up), say in one line what to do
 * and run the headless relay instead. Ubuntu 23.10+ restricts unprivileged user namespaces with
 * AppArmor, so the development binary aborts before any of the app's code runs (electron#42510).
 */
import path from 'node:path'

/**
 * The launcher sets this variable; the app then writes READY_LINE on stderr once it is up, which
 * tells a crash at start-up (fall back) from one later on (pass it on). The launcher swallows the line.
 */
export const READY_ENV = 'SWITCHBOARD_REPORT_READY'
export const READY_LINE = 'switchboard: desktop app ready'

export interface ElectronEnd {
  binary: string
  /** Set when the binary could not be started at all (EACCES, ENOENT, ...). */
  spawnError?: NodeJS.ErrnoException
  code: number | null
  signal: NodeJS.Signals | null
  /** What it wrote on stderr (the end of it: Chromium's fatal line comes last). */
  stderr: string
  /** The app reported READY_LINE. */
  ready: boolean
  /** The launcher passed on Ctrl-C or SIGTERM: the user ended it, nothing to fall back from. */
  interrupted: boolean
}

export type LaunchOutcome = { kind: 'exit'; code: number } | { kind: 'headless'; reason: string }

export function launchOutcome(end: ElectronEnd): LaunchOutcome {
  if (end.spawnError) return { kind: 'headless', reason: spawnProblem(end.binary, end.spawnError) }
  const failedAtStart = !end.ready && !end.interrupted && (end.signal !== null || (end.code ?? 0) !== 0)
  if (!failedAtStart) return { kind: 'exit', code: end.code ?? (end.signal ? 1 : 0) }
  return { kind: 'headless', reason: sandboxProblem(end.binary, end.stderr) ?? `Electron ${end.signal ? `ended by ${end.signal}` : `exited with code ${end.code}`} before the app started` }
}

function spawnProblem(binary: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'EACCES') return `the Electron binary ${binary} may not be run (EACCES); make it executable (chmod +x) or reinstall it (rm -rf node_modules/electron && npm install)`
  return `the Electron binary ${binary} could not be started (${error.code ?? error.message})`
}

/** Chromium's two fatal start-up lines about its sandbox, with the fix for each. */
function sandboxProblem(binary: string, stderr: string): string | undefined {
  const helper = path.join(path.dirname(binary), 'chrome-sandbox')
  const setUid = `sudo chown root:root ${helper} && sudo chmod 4755 ${helper}`
  if (/SUID sandbox helper binary/.test(stderr)) {
    return `Electron's sandbox helper is not set up (AppArmor on Ubuntu 23.10+ forbids the other sandbox); run ${setUid}, or allow user namespaces for ${binary} with an AppArmor profile`
  }
  if (/No usable sandbox/.test(stderr)) {
    return `AppArmor (Ubuntu 23.10+) does not let Electron create its sandbox; allow user namespaces for ${binary} with an AppArmor profile, or run ${setUid}`
  }
  return undefined
}
