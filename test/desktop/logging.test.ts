/** The app's log file: rotation by size, and what the app writes to it. */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { describeSettingsChange, describeStatus, logLifecycle } from '../../src-main/desktop/logs/activity-log.js'
import { LogFile } from '../../src-main/desktop/logs/log-file.js'
import { RelayLifecycle } from '../../src-main/desktop/relay/relay-lifecycle.js'
import { DEFAULT_SETTINGS } from '../../src-main/desktop/settings/settings-schema.js'
import { RecordingDiscovery, nodeOptions } from '../helpers/node.js'
import { freePort } from '../helpers/processes.js'
import { eventually, openPeer } from '../helpers/relay.js'

const logDir = () => mkdtempSync(path.join(tmpdir(), 'switchboard-logs-'))
const at = new Date('2025-01-15T12:00:00.000Z')

describe('log file', () => {
  test('lines get a timestamp; append keeps a line as it is; newlines cannot forge lines', () => {
    const log = new LogFile({ file: path.join(logDir(), 'nested', 'switchboard.log'), now: () => at })
    log.write('relay running')
    log.append('2025-01-15T11:59:59.000Z refusal 4429 limit reached\nforged line')
    expect(readFileSync(log.file, 'utf8')).toBe('2025-01-15T12:00:00.000Z relay running\n2025-01-15T11:59:59.000Z refusal 4429 limit reached forged line\n')
  })

  test('rotates before passing its size, keeping a bounded number of older files', () => {
    const dir = logDir()
    const log = new LogFile({ file: path.join(dir, 'switchboard.log'), maxBytes: 100, keep: 2, now: () => at })
    for (let i = 0; i < 20; i++) log.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(20)}`)
    expect(readdirSync(dir).sort()).toEqual(['switchboard.1.log', 'switchboard.2.log', 'switchboard.log'])
    for (const name of readdirSync(dir)) expect(readFileSync(path.join(dir, name)).length).toBeLessThanOrEqual(100)
    expect(readFileSync(path.join(dir, 'switchboard.log'), 'utf8')).toContain('line 19')
    // Each line is 54 bytes: one per file at this size, newest first.
    expect(readFileSync(path.join(dir, 'switchboard.1.log'), 'utf8')).toContain('line 18')
    expect(readFileSync(path.join(dir, 'switchboard.2.log'), 'utf8')).toContain('line 17')
    expect(log.rotatedFile(1)).toBe(path.join(dir, 'switchboard.1.log'))
  })

  test('an existing file counts toward the size after a restart', () => {
    const dir = logDir()
    const file = path.join(dir, 'switchboard.log')
    new LogFile({ file, maxBytes: 100, now: () => at }).write('x'.repeat(60))
    new LogFile({ file, maxBytes: 100, now: () => at }).write('y'.repeat(60))
    expect(readdirSync(dir).sort()).toEqual(['switchboard.1.log', 'switchboard.log'])
  })

  test('writing never throws, even when the folder is gone', () => {
    const log = new LogFile({ file: path.join(logDir(), 'switchboard.log') })
    Object.defineProperty(log, 'file', { value: '/proc/no/such/dir/switchboard.log' })
    expect(() => log.write('still running')).not.toThrow()
  })
})

describe('what the app logs', () => {
  test('the relay\'s life in one line per change, never a line per peer', () => {
    expect(describeStatus({ phase: 'running', port: 8080, urls: ['ws://localhost:8080', 'ws://10.0.0.2:8080'], peers: 3, devices: ['anna-laptop'], syncing: true })).toBe('relay running: ws://localhost:8080, ws://10.0.0.2:8080')
    expect(describeStatus({ phase: 'error', port: 8080, message: 'Port 8080 is in use' })).toBe('relay not running: Port 8080 is in use')
    expect(describeStatus({ phase: 'starting', port: 9000, restart: ['port'] })).toBe('relay restarting on port 9000 (port changed)')
  })

  test('settings changes name what changed, never the admin token\'s value', () => {
    const line = describeSettingsChange({ ...DEFAULT_SETTINGS, port: 9000, adminToken: 'secret-token-value' }, DEFAULT_SETTINGS)
    expect(line).toBe('settings changed: port, adminToken')
    expect(describeSettingsChange(DEFAULT_SETTINGS, DEFAULT_SETTINGS)).toBeUndefined()
  })

  test('a running relay: its start, its notable events (an ignored message), its stop', async () => {
    const lines: string[] = []
    const port = await freePort()
    const lifecycle = new RelayLifecycle(nodeOptions({ port, advertise: false }), { startDiscovery: new RecordingDiscovery().start })
    logLifecycle(lifecycle, { write: line => lines.push(line), append: line => lines.push(line) })
    await lifecycle.start()
    const peer = await openPeer(`ws://127.0.0.1:${port}`, '/introduction/alice')
    peer.socket.send('not msgpack')
    await eventually(() => lines.some(line => line.includes('ignored')), 5_000, 'an ignored-message line')
    await lifecycle.quit()
    // Discovery's state comes first (in the app's words), then the relay's.
    expect(lines.slice(0, 2)).toEqual(['mDNS advertising: off (turned off in Settings)', `relay running: ws://127.0.0.1:${port}`])
    expect(lines.find(line => line.includes('ignored'))).toMatch(/ignored control messages are binary MessagePack frames peer=alice/)
    expect(lines.at(-1)).toBe('relay stopped')
    expect(lines.filter(line => line.includes('peer-connect'))).toEqual([])
  })
})
