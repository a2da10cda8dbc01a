/**
 * The headless relay CLI as a real child process: its first line, --port 0, PORT, a busy port,
 * --help, bad arguments, refusal log lines, and graceful shutdown on SIGTERM and SIGINT.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { WebSocket } from 'ws'
import { DEFAULT_LIMITS } from '../../shared/limits.js'
import { parseRelayArgs } from '../../src-main/cli/options.js'
import { RawPeer, openPeer } from '../helpers/relay.js'
import {
  REPO_ROOT,
  closeServer,
  fetchHealth,
  freePort,
  killLeftoverCliProcesses,
  listenOn,
  refusedUpgrade,
  runCli,
  startCliRelay,
} from '../helpers/processes.js'

const VERSION = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string }).version
const kebab = (name: string) => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)

const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await killLeftoverCliProcesses()
})

async function open(url: string, path: string): Promise<RawPeer> {
  const peer = await openPeer(url, path)
  sockets.push(peer.socket)
  return peer
}

describe('relay CLI: starting', () => {
  test('--port 0 prints "Switchboard relay <version> listening on ws://127.0.0.1:<real port>" as its first line, and serves there', async () => {
    const relay = await startCliRelay(['--host', '127.0.0.1', '--port', '0'])
    expect(relay.firstLine).toBe(`Switchboard relay ${VERSION} listening on ws://127.0.0.1:${relay.port}`)
    expect(relay.port).toBeGreaterThan(0)
    const health = await fetchHealth(relay.port)
    expect(health).toMatchObject({ status: 'ok', version: VERSION, protocol: 'localfirst-relay/4' })
    const peer = await open(relay.url, '/introduction/hello')
    peer.sendControl({ type: 'Join', documentIds: ['doc'] })
    expect((await fetchHealth(relay.port)).counts.sockets).toBe(1)
    const exit = await relay.cli.stop('SIGTERM')
    expect(exit.code).toBe(0)
  })

  test('the instance id is kept in --config-dir, else in $STATE_DIRECTORY (systemd\'s StateDirectory=)', async () => {
    const [flagDir, stateDir] = [mkdtempSync(path.join(tmpdir(), 'switchboard-config-dir-')), mkdtempSync(path.join(tmpdir(), 'switchboard-state-dir-'))]
    for (const [args, kept] of [[['--config-dir', flagDir], flagDir], [[], stateDir]] as const) {
      const relay = await startCliRelay(['--no-advertise', ...args], { STATE_DIRECTORY: stateDir })
      const { relay: self } = (await (await fetch(`http://127.0.0.1:${relay.port}/.well-known/lf-relay`)).json()) as { relay: { id: string } }
      expect(readFileSync(path.join(kept, 'instances', 'relay-0'), 'utf8')).toContain(self.id)
      expect((await relay.cli.stop()).code).toBe(0)
    }
  })

  test('PORT is honoured when --port is not given, and --port wins over it', async () => {
    const fromEnv = await freePort()
    const relay = await startCliRelay(['--host', '127.0.0.1', '--quiet'], { PORT: String(fromEnv) })
    expect(relay.firstLine).toBe(`Switchboard relay ${VERSION} listening on ws://127.0.0.1:${fromEnv}`)
    await fetchHealth(fromEnv)
    expect((await relay.cli.stop()).code).toBe(0)

    const fromFlag = await freePort()
    const other = await startCliRelay(['--host', '127.0.0.1', '--port', String(fromFlag), '--quiet'], { PORT: String(fromEnv) })
    expect(other.port).toBe(fromFlag)
    await fetchHealth(fromFlag)
    expect((await other.cli.stop()).code).toBe(0)
  })

  test('a busy port gives a one-line error naming the port and how to pick another, and a non-zero exit', async () => {
    const blocker = await listenOn(0)
    const { port } = blocker.address() as { port: number }
    try {
      const result = await runCli(['--host', '127.0.0.1', '--port', String(port)])
      console.log(`busy port message: ${result.stderr.trim()}`)
      expect(result.code).not.toBe(0)
      expect(result.code).not.toBeNull()
      const lines = result.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(String(port))
      expect(lines[0]).toMatch(/in use/)
      expect(lines[0]).toMatch(/--port/)
      expect(result.stdout).not.toMatch(/listening/)

      // The same when the port comes from PORT.
      const fromEnv = await runCli(['--host', '127.0.0.1'], { PORT: String(port) })
      expect(fromEnv.code).not.toBe(0)
      expect(fromEnv.stderr.trim().split('\n')).toHaveLength(1)
      expect(fromEnv.stderr).toContain(String(port))
    } finally {
      await closeServer(blocker)
    }
  })

  test('--help lists every option, each limit with its default, and every option it lists is accepted', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    const help = result.stdout
    for (const flag of ['--host', '--port', '--no-advertise', '--name', '--priority', '--quiet', '--verbose', '--version', '--help']) expect(help).toContain(flag)
    for (const [name, value] of Object.entries(DEFAULT_LIMITS)) {
      const line = help.split('\n').find(text => text.trimStart().startsWith(`--${kebab(name)} `))
      expect(line, `--help lists --${kebab(name)}`).toBeDefined()
      expect(line).toContain(`(default ${value})`)
    }
    // Whatever --help names, the parser takes.
    const listed = [...new Set(help.match(/--[a-z][a-z-]*/g))]
    for (const flag of listed) {
      const line = help.split('\n').find(text => text.trimStart().startsWith(`${flag} `)) ?? ''
      const takesValue = line.trimStart().startsWith(`${flag} <`)
      // The value it documents as the default, so limits stay consistent with one another; a
      // token option gets a token long enough to be accepted.
      const sample = /<token>/.test(line) ? 'a-long-enough-sample-token' : '1'
      const value = /\(default (\d+)\)/.exec(line)?.[1] ?? sample
      expect(() => parseRelayArgs(takesValue ? [flag, value] : [flag], {}), `${flag} is accepted`).not.toThrow()
    }
    expect((await runCli(['-h'])).stdout).toBe(help)
    const version = await runCli(['--version'])
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` })
  })

  test('bad arguments exit with 2 and a message saying what is wrong', async () => {
    const cases: { args: string[]; env?: Record<string, string>; message: RegExp }[] = [
      { args: ['--port', 'abc'], message: /--port must be a whole number/ },
      { args: ['--port', '70000'], message: /--port must be between 0 and 65535/ },
      { args: ['--port'], message: /--port/ },
      { args: ['--bogus'], message: /--bogus/ },
      { args: ['stray'], message: /stray/ },
      { args: ['--max-peers', '0'], message: /--max-peers must be at least 1/ },
      { args: ['--hold-timeout-ms', '1.5'], message: /--hold-timeout-ms must be a whole number/ },
      { args: ['--quiet', '--verbose'], message: /--quiet and --verbose cannot be used together/ },
      { args: ['--name', 'x'.repeat(64)], message: /--name: the relay name is at most 63 characters/ },
      { args: [], env: { PORT: 'eighty' }, message: /PORT must be a whole number/ },
    ]
    const results = await Promise.all(cases.map(({ args, env }) => runCli(['--host', '127.0.0.1', ...args], env)))
    results.forEach((result, i) => {
      const { args, env, message } = cases[i]!
      const what = `${JSON.stringify(args)} ${env ? JSON.stringify(env) : ''}`
      expect(result.code, `exit code for ${what}`).toBe(2)
      expect(result.stderr, `message for ${what}`).toMatch(message)
      expect(result.stderr).toMatch(/--help/)
      expect(result.stdout, `nothing started for ${what}`).not.toMatch(/listening/)
    })
  })
})

describe('relay CLI: running', () => {
  test('limit flags take effect, and every refusal is printed as a log line with its code and reason', async () => {
    const relay = await startCliRelay(['--max-peers', '1', '--max-pipe-message-bytes', '1000'])
    await open(relay.url, '/introduction/first')
    const refused = await refusedUpgrade(new RawPeer(relay.url + '/introduction/second'))
    expect(refused).toEqual({ status: 429, body: '4429 limit reached: the relay holds its maximum of 1 peers' })
    const peersLine = await relay.cli.waitForLine(/refusal/)
    expect(peersLine).toMatch(/refusal HTTP 429 \(4429\) limit reached: the relay holds its maximum of 1 peers/)
    expect(peersLine).toContain('peer=second')

    const a = await open(relay.url, '/connection/a/b/doc')
    const b = await open(relay.url, '/connection/b/a/doc')
    a.send(Buffer.alloc(1001))
    await a.closed
    await b.closed
    expect([a.closeCode, a.closeReason]).toEqual([1009, 'message too big: limit is 1000 bytes'])
    const tooBigLine = await relay.cli.waitForLine(/refusal 1009/)
    expect(tooBigLine).toContain('peer=a')
    console.log(`refusal log lines:\n${relay.cli.stdoutLines.filter(line => line.includes('refusal')).join('\n')}`)
    expect((await relay.cli.stop()).code).toBe(0)
  })

  test('a signal sent as soon as the listening line appears is still a graceful stop (exit 0), every time', async () => {
    // A supervisor or script may stop the relay the moment it reports its address.
    const exits: string[] = []
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT'] as const) {
      const relay = await startCliRelay(['--quiet'])
      const exit = await relay.cli.stop(signal)
      exits.push(`${signal}: ${exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code}`}`)
    }
    expect(exits).toEqual([
      'SIGTERM: exit 0',
      'SIGINT: exit 0',
      'SIGTERM: exit 0',
      'SIGINT: exit 0',
      'SIGTERM: exit 0',
      'SIGINT: exit 0',
    ])
  })

  test.each(['SIGTERM', 'SIGINT'] as const)('%s closes every socket with 1001, frees the port and exits 0 promptly', async signal => {
    const relay = await startCliRelay()
    const alice = await open(relay.url, '/introduction/alice')
    const bob = await open(relay.url, '/introduction/bob')
    alice.sendControl({ type: 'Join', documentIds: ['doc'] })
    bob.sendControl({ type: 'Join', documentIds: ['doc'] })
    await alice.waitForMessages(1)
    await bob.waitForMessages(1)
    const liveA = await open(relay.url, '/connection/alice/bob/doc')
    const liveB = await open(relay.url, '/connection/bob/alice/doc')
    liveA.send('hi')
    await liveB.waitForMessages(1)
    const waiting = await open(relay.url, '/connection/carol/dave/doc')
    waiting.send('held')
    expect((await fetchHealth(relay.port)).counts).toEqual({ peers: 2, documents: 1, pipesWaiting: 1, pipesLive: 1, sockets: 5 })

    const exit = await relay.cli.stop(signal, 10_000)
    console.log(`MEASURED: CLI relay exit on ${signal} with 5 open sockets took ${exit.ms} ms (exit code ${exit.code})`)
    expect(exit).toMatchObject({ code: 0, signal: null })
    const everyone = { alice, bob, liveA, liveB, waiting }
    await Promise.all(Object.values(everyone).map(peer => peer.closed))
    for (const [name, peer] of Object.entries(everyone)) {
      expect({ name, code: peer.closeCode, reason: peer.closeReason }).toEqual({ name, code: 1001, reason: 'relay shutting down' })
    }
    expect(relay.cli.stdout).toContain(`${signal}: closing connections...`)
    expect(relay.cli.stdoutLines.at(-1)).toBe('relay stopped')
    expect(relay.cli.stderr).toBe('')
    const server = await listenOn(relay.port)
    await closeServer(server)
    // Every client answered the close handshake within milliseconds, so nothing should keep the
    // process from exiting (the engine's shutdown grace period is for clients that do not answer).
    expect(exit.ms).toBeLessThan(1_000)
  })
})
