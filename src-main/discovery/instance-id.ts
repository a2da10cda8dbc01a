/**
 * The relay's instance id (TXT `id`): clients tell relays apart by it, and the choice rule falls
 * back on it. It identifies one running relay instance: the same front end on the same port gets
 * its id back on every restart, and two relays up at the same time on one machine never share one,
 * because each holds a lock on the file its id is kept in while it runs.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { homedir, uptime } from 'node:os'
import { dirname, join } from 'node:path'

/** Overrides where the id is kept (tests, a relay whose id must not follow its port). */
export const INSTANCE_ID_FILE_ENV = 'SWITCHBOARD_INSTANCE_ID_FILE'

/** Which program runs the relay: the desktop app and the headless relay keep their ids apart. */
export type FrontEnd = 'app' | 'relay'

export interface InstanceSlot {
  frontEnd: FrontEnd
  /** The port the relay was asked to listen on (0 for any free port): a relay on another port is another relay. */
  port: number
}

const VALID_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Relays of one slot running at once beyond this share nothing but get an unsaved id each. */
const MAX_FILES_PER_SLOT = 32

/** Boot times computed from the uptime wobble by a few seconds; farther apart, the machine rebooted. */
const SAME_BOOT_TOLERANCE_MS = 60_000

/** `$XDG_CONFIG_HOME/switchboard` or `~/.config/switchboard`: where a relay keeps what outlives it. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'switchboard')
}

/**
 * `$SWITCHBOARD_INSTANCE_ID_FILE`, else `<config>/switchboard/instances/<front end>-<port>`, where
 * <config> is `$XDG_CONFIG_HOME` or `~/.config`. A second relay of the same slot running at the
 * same time uses the same name with `-2`, `-3`, ... appended.
 */
export function instanceIdFile(slot: InstanceSlot, env: NodeJS.ProcessEnv = process.env): string {
  if (env[INSTANCE_ID_FILE_ENV]) return env[INSTANCE_ID_FILE_ENV]
  return join(configDir(env), 'instances', `${slot.frontEnd}-${slot.port}`)
}

/** Where versions before per-instance ids kept the one id of every relay of a user. */
export function legacyInstanceIdFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'instance-id')
}

/** What a lock file holds: its owner, and the boot it runs in (a pid from an earlier boot means nothing). */
interface LockOwner {
  pid: number
  boot: string
}

function currentBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return String(Date.now() - uptime() * 1000)
  }
}

function sameBoot(a: string, b: string): boolean {
  if (a === b) return true
  const [x, y] = [Number(a), Number(b)]
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) < SAME_BOOT_TOLERANCE_MS
}

/** Lock files this process holds: a second relay in the same process must not take them. */
const heldHere = new Set<string>()

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether a lock file's text names an owner that is gone: crashed, killed, or from before a reboot. */
function isStale(text: string, lock: string): boolean {
  let owner: LockOwner
  try {
    owner = JSON.parse(text) as LockOwner
  } catch {
    // Locks are written whole (linked in place), so unreadable text is not a lock being written.
    return true
  }
  if (typeof owner !== 'object' || owner === null) return true
  if (!Number.isInteger(owner.pid) || typeof owner.boot !== 'string' || !sameBoot(owner.boot, currentBoot())) return true
  if (owner.pid === process.pid) return !heldHere.has(lock)
  return !isRunning(owner.pid)
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null
    throw error
  }
}

/**
 * Takes `lock` atomically: the owner's text is written aside and hard-linked into place, which
 * fails when the lock exists, so no one ever reads a half-written lock. A stale lock is moved
 * aside before it is replaced; if what was moved turns out to be a lock another relay took in the
 * meantime, it is put back.
 */
function takeLock(lock: string): boolean {
  const text = JSON.stringify({ pid: process.pid, boot: currentBoot() } satisfies LockOwner)
  const partial = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}`
  writeFileSync(partial, text)
  try {
    // Twice at most: once, and once more after clearing a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(partial, lock)
        heldHere.add(lock)
        return true
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error
      }
      const seen = readOrNull(lock)
      if (seen !== null && !isStale(seen, lock)) return false
      if (seen === null) continue
      const aside = `${partial}.stale`
      try {
        renameSync(lock, aside)
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue
        throw error
      }
      const moved = readFileSync(aside, 'utf8')
      if (moved !== seen) {
        try {
          linkSync(aside, lock)
        } catch {
          // A third relay took the lock in the same instant; both now hold it (it needs three starts at once over a stale lock).
        }
        unlinkSync(aside)
        return false
      }
      unlinkSync(aside)
    }
    return false
  } finally {
    unlinkSync(partial)
  }
}

function saveId(file: string, id: string): void {
  // Written aside and renamed, so a crash never leaves a half-written id behind.
  const partial = `${file}.${process.pid}.tmp`
  writeFileSync(partial, `${id}\n`)
  renameSync(partial, file)
}

function readId(file: string): string | undefined {
  try {
    const saved = readFileSync(file, 'utf8').trim()
    return VALID_ID.test(saved) ? saved : undefined
  } catch {
    return undefined
  }
}

export interface ClaimOptions {
  /** An id file of an older version, moved to the first file this claim creates (so an upgrade keeps the id). */
  adopt?: string
}

/**
 * The id of one running relay, held until `release`. `file` is the file it is kept in (its lock is
 * `<file>.lock`); without one, the id could not be kept and `problem` says why.
 */
export class InstanceIdClaim {
  private constructor(
    private current: string,
    readonly file: string | undefined,
    private problemText: string | undefined,
  ) {}

  /**
   * Takes the first of `file`, `file-2`, `file-3`, ... that no running relay holds, and reads its
   * id, or makes and saves a new one there.
   */
  static take(file: string, options: ClaimOptions = {}): InstanceIdClaim {
    try {
      mkdirSync(dirname(file), { recursive: true })
      for (let n = 1; n <= MAX_FILES_PER_SLOT; n++) {
        const candidate = n === 1 ? file : `${file}-${n}`
        if (!takeLock(`${candidate}.lock`)) continue
        const claim = new InstanceIdClaim(readId(candidate) ?? '', candidate, undefined)
        if (!claim.current && options.adopt) claim.adoptFrom(options.adopt)
        if (!claim.current) claim.renew()
        return claim
      }
      return new InstanceIdClaim(randomUUID(), undefined, `every instance id file from ${file} to ${file}-${MAX_FILES_PER_SLOT} is held by a running relay; this relay's id will change on restart`)
    } catch (error) {
      return new InstanceIdClaim(randomUUID(), undefined, `instance id not kept in ${file} (${(error as Error).message}); it will change on restart`)
    }
  }

  get id(): string {
    return this.current
  }

  /** Set when the id could not be kept: it then changes with every start. */
  get problem(): string | undefined {
    return this.problemText
  }

  /** Replaces the id with a new one (another relay announces this one's) and saves it; returns it. */
  renew(): string {
    this.current = randomUUID()
    if (!this.file) return this.current
    try {
      saveId(this.file, this.current)
    } catch (error) {
      this.problemText = `instance id not saved to ${this.file} (${(error as Error).message}); it will change on restart`
    }
    return this.current
  }

  /** Gives the file up for the next relay of the slot (this one's restart, usually). */
  release(): void {
    if (!this.file) return
    const lock = `${this.file}.lock`
    if (!heldHere.delete(lock)) return
    try {
      const text = readFileSync(lock, 'utf8')
      if ((JSON.parse(text) as LockOwner).pid === process.pid) unlinkSync(lock)
    } catch {
      // Already gone, or taken over as stale: nothing of ours to remove.
    }
  }

  private adoptFrom(legacy: string): void {
    const id = readId(legacy)
    if (!id) return
    try {
      // A rename, so of several relays starting after an upgrade exactly one gets the old id.
      renameSync(legacy, this.file!)
    } catch {
      return
    }
    if (readId(this.file!) === id) this.current = id
  }
}
