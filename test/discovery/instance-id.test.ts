/**
 * The instance id store: one id per running relay, kept across restarts of that relay, never
 * shared by two relays running at once (held by a lock file), and not blocked by a killed relay's
 * lock. Other processes are real processes (agents/id-holder.ts), so the locks are tested across
 * processes, as two relays on one machine meet.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { INSTANCE_ID_FILE_ENV, InstanceIdClaim, instanceIdFile, legacyInstanceIdFile, stateDirectory } from '../../src-main/discovery/instance-id.js'
import { REPO_ROOT } from '../helpers/processes.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const root = mkdtempSync(join(tmpdir(), 'switchboard-ids-'))
let n = 0
const freshFile = () => join(root, `case-${++n}`, 'instances', 'relay-8080')
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface Held {
  id: string
  file: string | null
  problem: string | null
  child: ChildProcess
}

const holders: ChildProcess[] = []
afterEach(() => {
  for (const child of holders.splice(0)) child.kill('SIGKILL')
})

/** Another process claiming from `file`, resolved once it holds its id. */
function holder(file: string): Promise<Held> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/discovery/agents/id-holder.ts', file], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  holders.push(child)
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      if (text.includes('\n')) resolve({ ...(JSON.parse(text) as Omit<Held, 'child'>), child })
    })
    child.once('exit', code => reject(new Error(`id holder exited (${code}) before claiming`)))
  })
}

const exited = (child: ChildProcess) => new Promise(resolve => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)))

describe('instance id store', () => {
  test('a relay restarted gets its id back from the same file', () => {
    const file = freshFile()
    const first = InstanceIdClaim.take(file)
    expect(first.problem).toBeUndefined()
    expect(first.id).toMatch(UUID)
    expect(first.file).toBe(file)
    expect(readFileSync(file, 'utf8').trim()).toBe(first.id)
    first.release()
    expect(existsSync(`${file}.lock`)).toBe(false)
    const again = InstanceIdClaim.take(file)
    expect(again.id).toBe(first.id)
    again.release()
  })

  test('a second relay while the first runs takes the next file and another id, in one process and in another', async () => {
    const file = freshFile()
    const first = InstanceIdClaim.take(file)
    const second = InstanceIdClaim.take(file)
    expect(second.file).toBe(`${file}-2`)
    expect(second.id).not.toBe(first.id)
    const other = await holder(file)
    expect(other.file).toBe(`${file}-3`)
    expect(new Set([first.id, second.id, other.id]).size).toBe(3)
    // Each keeps its own id: released and taken again in the same order, the ids come back.
    first.release()
    second.release()
    other.child.stdin!.end()
    await exited(other.child)
    expect(InstanceIdClaim.take(file).id).toBe(first.id)
    expect(InstanceIdClaim.take(file).id).toBe(second.id)
    expect(InstanceIdClaim.take(file).id).toBe(other.id)
  })

  test('relays started at the same moment all get different ids', async () => {
    const file = freshFile()
    const started = await Promise.all(Array.from({ length: 6 }, () => holder(file)))
    expect(started.every(held => held.problem === null && UUID.test(held.id))).toBe(true)
    expect(new Set(started.map(held => held.id)).size).toBe(6)
    expect(new Set(started.map(held => held.file)).size).toBe(6)
  })

  test("a killed relay's lock does not block the next start: it is reclaimed, with the id", async () => {
    const file = freshFile()
    const killed = await holder(file)
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toMatchObject({ pid: killed.child.pid })
    killed.child.kill('SIGKILL')
    await exited(killed.child)
    expect(existsSync(`${file}.lock`)).toBe(true)
    const next = InstanceIdClaim.take(file)
    expect(next.file).toBe(file)
    expect(next.id).toBe(killed.id)
    next.release()
  })

  test('a lock from before a reboot, or unreadable, is stale even if its pid runs now', () => {
    const file = freshFile()
    const first = InstanceIdClaim.take(file)
    first.release()
    // pid 1 always runs; the boot is another one.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, boot: 'an-earlier-boot' }))
    const afterReboot = InstanceIdClaim.take(file)
    expect(afterReboot.file).toBe(file)
    expect(afterReboot.id).toBe(first.id)
    afterReboot.release()
    writeFileSync(`${file}.lock`, 'garbage')
    const afterGarbage = InstanceIdClaim.take(file)
    expect(afterGarbage.file).toBe(file)
    afterGarbage.release()
  })

  test('a lock held by a running process of this boot is respected', () => {
    const file = freshFile()
    const first = InstanceIdClaim.take(file)
    first.release()
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, boot }))
    const second = InstanceIdClaim.take(file)
    expect(second.file).toBe(`${file}-2`)
    expect(second.id).not.toBe(first.id)
    second.release()
  })

  test('renew saves a new id that the next start reads back', () => {
    const file = freshFile()
    const claim = InstanceIdClaim.take(file)
    const old = claim.id
    const renewed = claim.renew()
    expect(renewed).not.toBe(old)
    expect(claim.id).toBe(renewed)
    claim.release()
    expect(InstanceIdClaim.take(file).id).toBe(renewed)
  })

  test('a damaged file gets a new id; a place that cannot be written says so and still gives an id', () => {
    const file = freshFile()
    InstanceIdClaim.take(file).release()
    writeFileSync(file, 'not an id')
    const replaced = InstanceIdClaim.take(file)
    expect(readFileSync(file, 'utf8').trim()).toBe(replaced.id)
    replaced.release()
    const blocker = join(root, 'a-file')
    writeFileSync(blocker, '')
    const unsaved = InstanceIdClaim.take(join(blocker, 'instance-id'))
    expect(unsaved.id).toMatch(UUID)
    expect(unsaved.file).toBeUndefined()
    expect(unsaved.problem).toMatch(/instance id not kept in .*; it will change on restart/)
  })

  test('the id an older version kept per user goes to exactly one relay', () => {
    const base = join(root, `case-${++n}`)
    const legacy = join(base, 'instance-id')
    const oldId = '0b5e3f4c-1d2e-4f5a-8b6c-7d8e9f0a1b2c'
    mkdirSync(base, { recursive: true })
    writeFileSync(legacy, `${oldId}\n`)
    const app = InstanceIdClaim.take(join(base, 'instances', 'app-8080'), { adopt: legacy })
    const relay = InstanceIdClaim.take(join(base, 'instances', 'relay-8080'), { adopt: legacy })
    expect(app.id).toBe(oldId)
    expect(relay.id).not.toBe(oldId)
    expect(existsSync(legacy)).toBe(false)
  })

  test('one file per front end and port under the config folder, unless the environment names one', () => {
    expect(instanceIdFile({ frontEnd: 'relay', port: 8080 }, { XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/switchboard/instances/relay-8080')
    expect(instanceIdFile({ frontEnd: 'app', port: 8080 }, { XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/switchboard/instances/app-8080')
    expect(instanceIdFile({ frontEnd: 'relay', port: 0 }, {})).toMatch(/\.config\/switchboard\/instances\/relay-0$/)
    expect(instanceIdFile({ frontEnd: 'relay', port: 8080 }, { [INSTANCE_ID_FILE_ENV]: '/tmp/x' })).toBe('/tmp/x')
    expect(legacyInstanceIdFile({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/switchboard/instance-id')
  })

  test('a service\'s state folder ($STATE_DIRECTORY, the first of several) or a folder given outright replaces the config folder', () => {
    expect(stateDirectory({ STATE_DIRECTORY: '/var/lib/switchboard-relay', XDG_CONFIG_HOME: '/cfg' })).toBe('/var/lib/switchboard-relay')
    expect(stateDirectory({ STATE_DIRECTORY: '/var/lib/a:/var/lib/b' })).toBe('/var/lib/a')
    expect(stateDirectory({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/switchboard')
    expect(instanceIdFile({ frontEnd: 'relay', port: 8080 }, { STATE_DIRECTORY: '/var/lib/s' })).toBe('/var/lib/s/instances/relay-8080')
    expect(instanceIdFile({ frontEnd: 'relay', port: 8080 }, { STATE_DIRECTORY: '/var/lib/s' }, '/given')).toBe('/given/instances/relay-8080')
    // Only the user's own folder holds an id from before per-instance ids.
    expect(legacyInstanceIdFile({ STATE_DIRECTORY: '/var/lib/s', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/switchboard/instance-id')
  })
})
