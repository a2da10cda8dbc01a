/**
 * The recently-seen history on disk: one JSON file per relay (front end and port, like the instance
 * id), readable by its owner only, written a few seconds after a change (a busy office changes it
 * many times a minute) and always whole (written beside its place, then renamed over it), so a crash
 * mid-write leaves the previous version. The key of the document hashes is a random one per
 * install, kept in a file of its own beside the histories.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { HistoryView } from '../../shared/relay-model.js'
import type { DeviceDeparture } from '../relay/devices.js'
import type { HistorySource } from '../relay/relay-server.js'
import { RecentlySeen, type StoredDevice } from './recently-seen.js'

const FILE_VERSION = 1
const KEY_BYTES = 32
const WRITE_DELAY_MS = 2_000

export interface HistoryPlace {
  /** The folder that holds the histories and their key. */
  dir: string
  /** One history per relay: `<front end>-<port>`. */
  name: string
  /** How long after a change the file is written. */
  writeDelayMs?: number
}

export class HistoryStore implements HistorySource {
  private readonly file: string
  private readonly recent: RecentlySeen
  private readonly writeDelayMs: number
  private timer: NodeJS.Timeout | undefined
  /** The write in progress; another change while it runs is written after it. */
  private writing: Promise<void> = Promise.resolve()
  private dirty = false

  /**
   * Opens (or starts) the history at `place`. A file that cannot be read as a history is started
   * over, and the reason goes to `onProblem`; a folder that cannot be written throws.
   */
  constructor(
    place: HistoryPlace,
    private readonly onProblem: (message: string) => void,
  ) {
    mkdirSync(place.dir, { recursive: true, mode: 0o700 })
    this.file = HistoryStore.pathOf(place)
    this.writeDelayMs = place.writeDelayMs ?? WRITE_DELAY_MS
    this.recent = new RecentlySeen(readKey(join(place.dir, 'key')), this.read())
  }

  static pathOf(place: Pick<HistoryPlace, 'dir' | 'name'>): string {
    return join(place.dir, `${place.name}.json`)
  }

  get path(): string {
    return this.file
  }

  record(departure: DeviceDeparture): void {
    this.recent.record(departure)
    this.changed()
  }

  view(connected: ReadonlySet<string>): HistoryView {
    return this.recent.view(connected)
  }

  clear(): void {
    this.recent.clear()
    this.changed()
  }

  /** Writes what is pending now; resolves once it is on disk. */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.dirty) {
      this.dirty = false
      this.writing = this.writing.then(() => this.write())
    }
    await this.writing
  }

  /** History turned off: nothing is kept, the file goes too. */
  async remove(): Promise<void> {
    clearTimeout(this.timer)
    this.dirty = false
    await this.writing
    rmSync(this.file, { force: true })
  }

  private changed(): void {
    this.dirty = true
    this.timer ??= setTimeout(() => void this.flush(), this.writeDelayMs).unref()
  }

  private async write(): Promise<void> {
    this.recent.prune()
    const text = JSON.stringify({ version: FILE_VERSION, devices: this.recent.stored() })
    const temporary = `${this.file}.${process.pid}.tmp`
    try {
      await writeFile(temporary, text, { mode: 0o600 })
      await rename(temporary, this.file)
    } catch (error) {
      this.onProblem(`recently-seen history not saved: ${(error as Error).message}`)
    }
  }

  private read(): StoredDevice[] {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.onProblem(`recently-seen history not read: ${(error as Error).message}`)
      return []
    }
    try {
      const parsed = JSON.parse(text) as { version?: unknown; devices?: unknown }
      if (parsed.version !== FILE_VERSION || !Array.isArray(parsed.devices)) throw new Error(`not a version ${FILE_VERSION} history`)
      return parsed.devices.filter(isStoredDevice)
    } catch (error) {
      this.onProblem(`recently-seen history in ${this.file} started over: ${(error as Error).message}`)
      return []
    }
  }
}

/** The per-install key: made on first use, owner-only, and the same for every relay of the user. */
function readKey(file: string): Buffer {
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex')
    if (key.length === KEY_BYTES) return key
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const key = randomBytes(KEY_BYTES)
  try {
    // A file that is there but unusable is replaced; owner-only whatever mode it had.
    rmSync(file, { force: true })
    writeFileSync(file, key.toString('hex'), { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another relay starting at the same moment made one first: that one is the key.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex')
    throw error
  }
  return key
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(item => typeof item === 'string')

function isStoredDevice(value: unknown): value is StoredDevice {
  const device = value as StoredDevice
  return (
    typeof device === 'object' &&
    device !== null &&
    typeof device.address === 'string' &&
    (device.name === undefined || typeof device.name === 'string') &&
    isCount(device.firstSeen) &&
    isCount(device.lastSeen) &&
    isCount(device.bytes) &&
    isStrings(device.documents) &&
    Array.isArray(device.peers) &&
    device.peers.every(peer => typeof peer === 'object' && peer !== null && typeof peer.id === 'string' && isCount(peer.firstSeen) && isCount(peer.lastSeen) && isCount(peer.bytes) && isStrings(peer.documents))
  )
}
