/**
 * The app's settings, kept by electron-store in the user-data folder: validated by the schema,
 * migrated on upgrade, and announced on every change so the relay, the tray and the window can
 * apply them live.
 */
import { EventEmitter } from 'node:events'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { app, ipcMain } from 'electron'
import Store from 'electron-store'
import type { DesktopSettings, SettingsPatch } from '../../../shared/ipc-schema.js'
import { DEFAULT_SETTINGS, SETTINGS_MIGRATIONS, SETTINGS_SCHEMA } from './settings-schema.js'

export interface SettingsStoreOptions {
  /** Folder of the file; Electron's user-data folder when omitted. */
  directory?: string
  /** Where the store says what it did about a file it could not use. */
  log: (line: string) => void
}

const SETTINGS_FILE_NAME = 'settings'

/** electron-store answers renderers asking for paths on this channel, unchecked; this app's renderer never asks. */
const ELECTRON_STORE_CHANNEL = 'electron-store-get-data'

export class SettingsStore extends EventEmitter<{ change: [next: DesktopSettings, previous: DesktopSettings] }> {
  private readonly store: Store<DesktopSettings>
  private current: DesktopSettings

  constructor(options: SettingsStoreOptions) {
    super()
    this.store = openStore(options)
    ipcMain.removeAllListeners(ELECTRON_STORE_CHANNEL)
    this.current = this.read()
  }

  get settings(): DesktopSettings {
    return this.current
  }

  get path(): string {
    return this.store.path
  }

  /**
   * Applies a patch that settings-patch.ts accepted and announces it, if it changed anything.
   * Throws, with nothing written, if the schema refuses it.
   */
  update(patch: SettingsPatch): DesktopSettings {
    const previous = this.current
    this.store.set({ ...previous, ...patch })
    this.current = this.read()
    if (!isDeepStrictEqual(this.current, previous)) this.emit('change', this.current, previous)
    return this.current
  }

  /** Only the known settings: the file also holds electron-store's own bookkeeping. */
  private read(): DesktopSettings {
    const stored = this.store.store
    const settings = { ...DEFAULT_SETTINGS } as Record<string, unknown>
    for (const name of Object.keys(DEFAULT_SETTINGS)) if (name in stored) settings[name] = stored[name as keyof DesktopSettings]
    return structuredClone(settings) as unknown as DesktopSettings
  }
}

function createStore(directory: string | undefined): Store<DesktopSettings> {
  return new Store<DesktopSettings>({
    name: SETTINGS_FILE_NAME,
    cwd: directory,
    schema: SETTINGS_SCHEMA,
    migrations: SETTINGS_MIGRATIONS,
    // The file holds the admin token: readable by its owner only.
    configFileMode: 0o600,
  })
}

/**
 * A file the app cannot read (broken JSON, or values the schema refuses even after migrating) is
 * set aside, not deleted, and the app starts from the defaults: a bad file must never keep the
 * relay from starting, nor silently lose what the user had.
 */
function openStore({ directory, log }: SettingsStoreOptions): Store<DesktopSettings> {
  const file = settingsFile(directory)
  // Kept as it was: electron-store may have migrated the file before finding it unusable.
  const original = readIfPresent(file)
  try {
    return createStore(directory)
  } catch (error) {
    if (original === undefined) throw error
    const aside = `${file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`
    writeFileSync(aside, original, { mode: 0o600 })
    rmSync(file, { force: true })
    log(`settings: ${file} could not be used (${(error as Error).message}); moved it to ${aside} and started from the defaults`)
    return createStore(directory)
  }
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

function settingsFile(directory: string | undefined): string {
  // Where electron-store puts it: `${name}.json` in the user-data folder unless told otherwise.
  return path.join(directory ?? app.getPath('userData'), `${SETTINGS_FILE_NAME}.json`)
}
