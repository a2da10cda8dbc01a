/**
 * Settings: defaults, the schema electron-store enforces, the checks on changes from the window,
 * migrations of older files, and what happens to a file the app cannot use. electron-store runs
 * for real, over a mocked `electron` (see vitest.config.ts for why it is inlined).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import type { DesktopSettings } from '../../shared/ipc-schema.js'
import { DEFAULT_LIMITS } from '../../shared/limits.js'
import { parseSettingsPatch } from '../../src-main/desktop/settings/settings-patch.js'
import { DEFAULT_SETTINGS } from '../../src-main/desktop/settings/settings-schema.js'
import { SettingsStore } from '../../src-main/desktop/settings/settings-store.js'
import { app, ipcMain } from './fake-electron.js'

vi.mock('electron', () => import('./fake-electron.js'))

let directory: string
const logged: string[] = []

beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'switchboard-settings-'))
  // electron-store asks for it even when given a folder.
  app.paths.userData = directory
  logged.length = 0
})

const open = () => new SettingsStore({ directory, log: line => logged.push(line) })
const file = () => path.join(directory, 'settings.json')
const stored = () => JSON.parse(readFileSync(file(), 'utf8')) as Record<string, unknown>

describe('settings store', () => {
  test('a first start gets the defaults, written to a file only its owner can read (it holds the tokens)', () => {
    const store = open()
    expect(store.settings).toEqual(DEFAULT_SETTINGS)
    expect(store.settings).toEqual({
      port: 8080,
      listenAddress: '',
      advertise: true,
      advertiseInterfaces: [],
      relayName: '',
      priority: 0,
      adminToken: '',
      accessToken: '',
      allowPublic: false,
      limits: {},
      history: true,
      startAtLogin: false,
    })
    expect(statSync(file()).mode & 0o777).toBe(0o600)
  })

  test('the file lives in Electron\'s user-data folder unless told otherwise', () => {
    const store = new SettingsStore({ log: () => undefined })
    expect(store.path).toBe(file())
  })

  test('changes are saved, announced with the previous settings, and read back on the next start', () => {
    const store = open()
    const changes: [DesktopSettings, DesktopSettings][] = []
    store.on('change', (next, previous) => changes.push([next, previous]))
    const next = store.update({ port: 9100, adminToken: 'a-long-enough-token', limits: { maxPeers: 50 } })
    expect(next).toMatchObject({ port: 9100, adminToken: 'a-long-enough-token', limits: { maxPeers: 50 }, advertise: true })
    expect(changes).toEqual([[next, DEFAULT_SETTINGS]])
    // Saving the same values again announces nothing, so nothing restarts.
    store.update({ port: 9100 })
    expect(changes).toHaveLength(1)
    expect(open().settings).toEqual(next)
  })

  test('the schema refuses what slipped past the window\'s checks, and nothing is written', () => {
    const store = open()
    expect(() => store.update({ port: 70_000 })).toThrow(/schema violation/i)
    expect(store.settings.port).toBe(8080)
    expect(open().settings.port).toBe(8080)
  })

  test('electron-store\'s own IPC channel (which answers any page, unchecked) is taken down', () => {
    open()
    expect(ipcMain.listenerCount('electron-store-get-data')).toBe(0)
  })

  test('migration 0.1.0: a hand-written file in the headless relay\'s terms is brought into the app\'s', () => {
    writeFileSync(file(), JSON.stringify({ port: '9000', limits: { 'max-peers': '50', 'ping-interval-ms': 10_000 }, advertise: false }))
    const store = open()
    expect(store.settings).toEqual({ ...DEFAULT_SETTINGS, port: 9000, advertise: false, limits: { maxPeers: 50, pingIntervalMs: 10_000 } })
    expect(stored()).toMatchObject({ __internal__: { migrations: { version: '0.1.0' } } })
    expect(logged).toEqual([])
  })

  test('a file that went through the migration is not migrated again', () => {
    writeFileSync(file(), JSON.stringify({ port: 9001, __internal__: { migrations: { version: '0.1.0' } } }))
    expect(open().settings.port).toBe(9001)
  })

  test('a file the app cannot use is set aside (never deleted) and the app starts from the defaults', () => {
    writeFileSync(file(), JSON.stringify({ port: 70_000, adminToken: 'short' }))
    const store = open()
    expect(store.settings).toEqual(DEFAULT_SETTINGS)
    const aside = readdirSync(directory).filter(name => name.startsWith('settings.json.unreadable-'))
    expect(aside).toHaveLength(1)
    expect(JSON.parse(readFileSync(path.join(directory, aside[0]!), 'utf8'))).toEqual({ port: 70_000, adminToken: 'short' })
    expect(logged).toHaveLength(1)
    expect(logged[0]).toContain('moved it to')

    writeFileSync(file(), '{ not json')
    expect(open().settings).toEqual(DEFAULT_SETTINGS)
    expect(readdirSync(directory).filter(name => name.includes('.unreadable-'))).toHaveLength(2)
  })
})

describe('settings changes from the window', () => {
  test('valid changes pass, cleaned up (a trimmed name, no duplicate interfaces)', () => {
    expect(parseSettingsPatch({ port: 9000, relayName: '  studio  ', priority: 3, advertiseInterfaces: ['eth0', 'eth0', 'wlan0'] })).toEqual({
      ok: true,
      value: { port: 9000, relayName: 'studio', priority: 3, advertiseInterfaces: ['eth0', 'wlan0'] },
    })
    expect(parseSettingsPatch({})).toEqual({ ok: true, value: {} })
    expect(parseSettingsPatch({ listenAddress: '::1', adminToken: '', startAtLogin: true, advertise: false, limits: { maxPeers: 10 } }).ok).toBe(true)
  })

  test.each([
    [null, 'Settings arrive as an object of changes.'],
    [[1, 2], 'Settings arrive as an object of changes.'],
    [{ port: '8080' }, 'The port must be a whole number from 1 to 65535.'],
    [{ port: 0 }, 'The port must be a whole number from 1 to 65535.'],
    [{ port: 8080.5 }, 'The port must be a whole number from 1 to 65535.'],
    [{ listenAddress: 'example.com' }, 'Listen on every interface, or on one IP address of this machine.'],
    [{ advertise: 'yes' }, 'Advertising is either on or off.'],
    [{ advertiseInterfaces: 'eth0' }, 'The interfaces to advertise on are a list of names.'],
    [{ advertiseInterfaces: Array.from({ length: 33 }, (_, i) => `if${i}`) }, 'Pick at most 32 interfaces to advertise on.'],
    [{ advertiseInterfaces: [''] }, 'Interface names are non-empty text.'],
    [{ relayName: 'x'.repeat(64) }, 'The relay name is at most 63 characters.'],
    [{ relayName: 'bad\nname' }, 'The relay name cannot hold control characters.'],
    [{ priority: -1 }, 'The priority is a whole number, 0 or more.'],
    [{ priority: 1.5 }, 'The priority is a whole number, 0 or more.'],
    [{ adminToken: 'short' }, 'The admin token must be at least 12 characters long, or empty.'],
    [{ accessToken: 'short' }, 'The access token must be at least 12 characters long, or empty.'],
    [{ accessToken: 'has a space in it' }, 'The access token may hold only letters, digits and . _ ~ -, or empty.'],
    [{ allowPublic: 'no' }, 'Accepting public addresses is either on or off.'],
    [{ limits: { maxPeers: -1 } }, 'limit "maxPeers" must be a positive integer, got -1.'],
    [{ limits: { holdPauseBytes: 100, maxHeldBytes: 50 } }, expect.stringContaining('holdPauseBytes (100) must not exceed maxHeldBytes (50)')],
    [{ limits: { noSuchLimit: 1 } }, 'There is no limit called "noSuchLimit".'],
    [{ theme: 'dark' }, 'There is no setting called "theme".'],
    [JSON.parse('{"__proto__": {"port": 1}}'), 'There is no setting called "__proto__".'],
    [{ startAtLogin: 1 }, 'Start at login is either on or off.'],
  ])('refused: %j', (input, message) => {
    expect(parseSettingsPatch(input)).toEqual({ ok: false, message })
  })

  // The window's checks and the file's schema must agree on every single value, or the window could
  // accept what the store then refuses (or refuse what a valid file holds). Unknown names and rules
  // between limits are the window's checks alone.
  test.each([
    ['port', 1],
    ['port', 65535],
    ['port', 65536],
    ['port', -5],
    ['port', 1.5],
    ['listenAddress', ''],
    ['listenAddress', '192.168.1.20'],
    ['listenAddress', 'fe80::1'],
    ['listenAddress', 'localhost'],
    ['advertise', false],
    ['advertise', 0],
    ['advertiseInterfaces', []],
    ['advertiseInterfaces', ['en0']],
    ['advertiseInterfaces', ['']],
    ['advertiseInterfaces', Array.from({ length: 33 }, (_, i) => `if${i}`)],
    ['relayName', 'studio'],
    ['relayName', 'tab\there'],
    ['relayName', 'y'.repeat(64)],
    ['adminToken', ''],
    ['adminToken', 'x'.repeat(12)],
    ['adminToken', 'x'.repeat(11)],
    ['adminToken', 'x'.repeat(1025)],
    ['accessToken', ''],
    ['accessToken', 'abc-DEF_123.~x'],
    ['accessToken', 'x'.repeat(11)],
    ['accessToken', 'slash/in-the-token'],
    ['accessToken', 'x'.repeat(1025)],
    ['allowPublic', true],
    ['allowPublic', 1],
    ['limits', { maxPeers: 1 }],
    ['limits', { maxPeers: 0 }],
    ['limits', { maxPeers: '5' }],
    ['limits', { bogus: 5 }],
    ['startAtLogin', true],
    ['startAtLogin', 'true'],
  ])('the window\'s checks and the schema agree on %s = %j', (name, value) => {
    const store = open()
    const windowAccepts = parseSettingsPatch({ [name]: value }).ok
    let storeAccepts = true
    try {
      store.update({ [name]: value })
    } catch {
      storeAccepts = false
    }
    expect(storeAccepts).toBe(windowAccepts)
  })

  test('every limit the engine has can be set', () => {
    const all = Object.fromEntries(Object.entries(DEFAULT_LIMITS).map(([name, value]) => [name, value]))
    expect(parseSettingsPatch({ limits: all }).ok).toBe(true)
    expect(() => open().update({ limits: all })).not.toThrow()
  })
})
