/**
 * The app's log: one text file in the OS's log folder, rotated by size so it never grows without
 * bound (the current file plus `keep` older ones: switchboard.log, switchboard.1.log, ...).
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'

export interface LogFileOptions {
  file: string
  /** The current file is rotated before it passes this size. */
  maxBytes?: number
  /** Rotated files kept. */
  keep?: number
  now?: () => Date
}

const DEFAULT_MAX_BYTES = 1024 * 1024
const DEFAULT_KEEP = 3

export class LogFile {
  readonly file: string
  private readonly maxBytes: number
  private readonly keep: number
  private readonly now: () => Date
  private size: number

  constructor(options: LogFileOptions) {
    this.file = options.file
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
    this.keep = options.keep ?? DEFAULT_KEEP
    this.now = options.now ?? (() => new Date())
    mkdirSync(path.dirname(this.file), { recursive: true })
    this.size = sizeOf(this.file)
  }

  get directory(): string {
    return path.dirname(this.file)
  }

  /** Appends one line, after the current time. */
  write(line: string): void {
    this.append(`${this.now().toISOString()} ${line}`)
  }

  /** Appends one line as it is (relay event lines carry their own time). Never throws: a full disk must not take the relay down. */
  append(line: string): void {
    const text = `${line.replace(/\n/g, ' ')}\n`
    const bytes = Buffer.byteLength(text)
    try {
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate()
      appendFileSync(this.file, text)
      this.size += bytes
    } catch {
      // Nothing sensible to do: there is nowhere else to write about it.
    }
  }

  /** `name.N.log` for the Nth older file. */
  rotatedFile(n: number): string {
    const { dir, name, ext } = path.parse(this.file)
    return path.join(dir, `${name}.${n}${ext}`)
  }

  private rotate(): void {
    rmSync(this.rotatedFile(this.keep), { force: true })
    for (let n = this.keep - 1; n >= 1; n--) renameIfPresent(this.rotatedFile(n), this.rotatedFile(n + 1))
    if (this.keep > 0) renameIfPresent(this.file, this.rotatedFile(1))
    else rmSync(this.file, { force: true })
    this.size = 0
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
