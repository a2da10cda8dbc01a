/**
 * The systemd unit for the always-on relay: `systemd-analyze verify` accepts it without a single
 * complaint (it warns about unknown keys and bad values but still exits 0, so the output must be
 * empty), and it keeps the promises the README makes about it.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../helpers/processes.js'

const UNIT_FILE = path.join(REPO_ROOT, 'packaging/systemd/switchboard-relay.service')
const UNIT = readFileSync(UNIT_FILE, 'utf8')
const SHIPPED_NODE = '/usr/bin/node'

/**
 * Runs `systemd-analyze verify` on the unit text. verify also checks that ExecStart's program
 * exists, and node is not at /usr/bin/node on every machine that runs the tests: the copy runs
 * this test's node instead, the one change.
 */
function verify(text: string): { status: number | null; output: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'switchboard-unit-')), 'switchboard-relay.service')
  writeFileSync(file, text.replaceAll(`ExecStart=${SHIPPED_NODE} `, `ExecStart=${process.execPath} `))
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' })
  if (result.error) throw new Error(`systemd-analyze did not run (apt package systemd): ${result.error.message}`)
  return { status: result.status, output: (result.stdout + result.stderr).trim() }
}

/** The [Service] section's settings, each key with every value it is given. */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  let section = ''
  for (const line of text.split('\n').map(raw => raw.trim())) {
    if (line.startsWith('[')) section = line
    else if (section === '[Service]' && line.includes('=') && !line.startsWith('#')) {
      const [key, ...value] = line.split('=')
      settings.set(key!, [...(settings.get(key!) ?? []), value.join('=')])
    }
  }
  return settings
}

describe('systemd unit', () => {
  test('systemd-analyze verify accepts it with nothing to say', () => {
    expect(verify(UNIT)).toEqual({ status: 0, output: '' })
  })

  test('verify speaks up about a bad value, an unknown key or a missing program (so the check is real)', () => {
    expect(verify(UNIT.replace('ProtectSystem=strict', 'ProtectSystem=strictly')).output).toMatch(/protect system value/i)
    expect(verify(UNIT.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes')).output).toMatch(/Unknown key 'NoNewPrivilege'/)
    expect(verify(UNIT.replace(`ExecStart=${SHIPPED_NODE} `, 'ExecStart=/nowhere/node ')).status).not.toBe(0)
  })

  test('runs node on the bundle (not npm), as a throwaway user with its own state folder, hardened, restarted on failure', () => {
    const settings = serviceSettings(UNIT)
    const one = (key: string) => settings.get(key)?.join(' | ')
    expect(one('ExecStart')).toBe(`${SHIPPED_NODE} /usr/local/lib/node_modules/@switchboard/relay/dist/cli/relay.mjs`)
    expect(one('DynamicUser')).toBe('yes')
    expect(one('StateDirectory')).toBe('switchboard-relay')
    expect(one('ProtectSystem')).toBe('strict')
    expect(one('NoNewPrivileges')).toBe('yes')
    expect(one('RestrictAddressFamilies')?.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX'])
    expect(one('Restart')).toBe('on-failure')
    expect(one('AmbientCapabilities')).toBe('')
    expect(one('CapabilityBoundingSet')).toBe('')
  })
})
