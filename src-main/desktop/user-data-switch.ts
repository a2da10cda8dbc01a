/**
 * `--user-data-dir=<folder>`: the app keeps everything of its own (settings, logs, Chromium's
 * profile, the single-instance lock) in that folder instead of the user's. Chromium's switch name,
 * so it means what it means to other Chromium-based programs; the smoke test launches the packaged
 * app with it to run in a throwaway profile.
 */
import path from 'node:path'

const USER_DATA_SWITCH = '--user-data-dir='

/** The folder the command line names, absolute; undefined without the switch or with an empty value. */
export function userDataDirSwitch(argv: readonly string[]): string | undefined {
  const value = argv.filter(arg => arg.startsWith(USER_DATA_SWITCH)).at(-1)?.slice(USER_DATA_SWITCH.length)
  return value ? path.resolve(value) : undefined
}
