/**
 * The relay's stable instance id (TXT `id`): clients and other relays tell relays apart by it, and
 * the choice rule falls back on it, so it must survive restarts and renames.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

/** Overrides where the id is kept (tests, several relays on one machine). */
export const INSTANCE_ID_FILE_ENV = 'SWITCHBOARD_INSTANCE_ID_FILE'

const VALID_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** `$SWITCHBOARD_INSTANCE_ID_FILE`, else `$XDG_CONFIG_HOME/switchboard/instance-id`, else `~/.config/switchboard/instance-id`. */
export function defaultInstanceIdFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env[INSTANCE_ID_FILE_ENV]) return env[INSTANCE_ID_FILE_ENV]
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(configHome, 'switchboard', 'instance-id')
}

export interface InstanceId {
  id: string
  /** Set when the id could not be saved: it then changes with every start. */
  problem?: string
}

/** Reads the id from `file`, or creates and saves a new one there. */
export function loadInstanceId(file: string = defaultInstanceIdFile()): InstanceId {
  try {
    const saved = readFileSync(file, 'utf8').trim()
    if (VALID_ID.test(saved)) return { id: saved }
  } catch {
    // Missing or unreadable: a new id is made below.
  }
  const id = randomUUID()
  try {
    mkdirSync(dirname(file), { recursive: true })
    // Written aside and renamed, so a crash never leaves a half-written id behind.
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, `${id}\n`)
    renameSync(partial, file)
    return { id }
  } catch (error) {
    return { id, problem: `instance id not saved to ${file} (${(error as Error).message}); it will change on restart` }
  }
}
