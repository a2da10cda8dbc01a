/**
 * Helpers for tests that run the headless relay CLI as a real child process, read its memory from
 * /proc, and poke it over plain HTTP. Also a few socket helpers the limit tests share.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import type { RelayEvent, RelayHealth } from '../../shared/relay-model.js'
import { RawPeer, eventually, openPeer } from './relay.js'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The headless relay as users run it: the bundle, with plain node (test/helpers/fresh-build.ts keeps it current). */
export const CLI_ENTRY = 'dist/cli/relay.mjs'

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/**
 * A CLI process we started (`command` with `args`, in `cwd`), with its output collected as it comes.
 * With `processGroup`, it leads a process group of its own and signals go to the whole group, as a
 * terminal's Ctrl-C does: `npm run` does not pass SIGTERM on to the command it runs.
 */
export class CliProcess {
  readonly child: ChildProcess
  readonly exited: Promise<Exit>
  stdout = ''
  stderr = ''
  private waiters: (() => void)[] = []

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT, private readonly processGroup = false) {
    this.child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: processGroup })
    running.add(this)
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk
      this.wake()
    })
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk
      this.wake()
    })
    this.exited = new Promise(resolve => {
      this.child.once('close', (code, signal) => {
        running.delete(this)
        this.wake()
        resolve({ code, signal })
      })
    })
  }

  get pid(): number {
    return this.child.pid!
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null
  }

  get stdoutLines(): string[] {
    return this.stdout.split('\n').filter(line => line.length > 0)
  }

  /** Resolves with the first complete stdout line matching `match`. */
  async waitForLine(match: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const complete = this.stdout.slice(0, this.stdout.lastIndexOf('\n') + 1)
      const line = complete.split('\n').find(text => match.test(text))
      if (line !== undefined) return line
      if (this.hasExited) throw new Error(`CLI exited before printing ${match}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`CLI printed no line matching ${match} within ${timeoutMs} ms; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Sends `signal` (to this child only) and waits for the exit; SIGKILLs it after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5_000): Promise<Exit & { ms: number }> {
    const started = Date.now()
    if (!this.hasExited) this.kill(signal)
    const killer = setTimeout(() => this.kill('SIGKILL'), timeoutMs)
    const exit = await this.exited
    clearTimeout(killer)
    return { ...exit, ms: Date.now() - started }
  }

  /** Signals this child, or its process group: never anything we did not start. */
  kill(signal: NodeJS.Signals): void {
    if (!this.processGroup) this.child.kill(signal)
    else if (!this.hasExited) process.kill(-this.child.pid!, signal)
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake()
  }
}

const running = new Set<CliProcess>()

/** Kills (SIGKILL, by pid) every CLI child this test file started that is still running. */
export async function killLeftoverCliProcesses(): Promise<void> {
  const left = [...running]
  for (const cli of left) cli.kill('SIGKILL')
  await Promise.all(left.map(cli => cli.exited))
}

/** The environment a CLI child gets: ours, minus PORT unless the test sets it. */
export function cliEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' }
  delete merged.PORT
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key]
    else merged[key] = value
  }
  return merged
}

export function spawnCli(args: string[], env?: Record<string, string | undefined>, nodeFlags: string[] = []): CliProcess {
  return new CliProcess(process.execPath, [...nodeFlags, CLI_ENTRY, ...args], cliEnv(env))
}

/** `npm run relay -- <args>` in `checkout`: the README's command, with the build check in front of the bundle. */
export function spawnNpmRelay(args: string[], checkout = REPO_ROOT, env?: Record<string, string | undefined>): CliProcess {
  return new CliProcess('npm', ['run', 'relay', '--', ...args], cliEnv(env), checkout, true)
}

/**
 * Node flags that let a test force a full garbage collection in the child with SIGUSR2 (see
 * `forceGc`), so memory figures measure what is alive rather than what is not yet collected.
 */
const GC_ON_SIGNAL = [
  '--expose-gc',
  '--import',
  'data:text/javascript,' +
    encodeURIComponent(
      'let n = 0; process.on("SIGUSR2", () => { globalThis.gc(); const m = process.memoryUsage(); ' +
        'process.stdout.write(`gc done ${++n} heapUsed=${m.heapUsed} external=${m.external}\\n`) })',
    ),
]

/** Runs the CLI to completion (for --help, bad arguments, a busy port). */
export async function runCli(
  args: string[],
  env?: Record<string, string | undefined>,
  timeoutMs = 10_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  const cli = spawnCli(args, env)
  const killer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs)
  const exit = await cli.exited
  clearTimeout(killer)
  return { ...exit, stdout: cli.stdout, stderr: cli.stderr }
}

export const LISTENING_LINE = /^Switchboard relay (\S+) listening on (ws:\/\/\S+?:(\d+))( \(all interfaces\))?$/

export interface CliRelay {
  cli: CliProcess
  pid: number
  port: number
  url: string
  firstLine: string
}

/**
 * Starts the headless relay on loopback (a free port unless `args` or PORT name one) and waits for its
 * address. With `gcOnSignal`, `forceGc` can make it collect garbage before a memory reading.
 */
export async function startCliRelay(
  args: string[] = [],
  env?: Record<string, string | undefined>,
  options: { gcOnSignal?: boolean } = {},
): Promise<CliRelay> {
  const full = [...(args.includes('--host') ? [] : ['--host', '127.0.0.1']), ...(args.includes('--port') || env?.PORT !== undefined ? [] : ['--port', '0']), ...args]
  const cli = spawnCli(full, env, options.gcOnSignal ? GC_ON_SIGNAL : [])
  await cli.waitForLine(LISTENING_LINE)
  const firstLine = cli.stdoutLines[0]!
  const match = LISTENING_LINE.exec(firstLine)
  if (!match) throw new Error(`first line is not the listening line: ${JSON.stringify(firstLine)}`)
  return { cli, pid: cli.pid, port: Number(match[3]), url: match[2]!, firstLine }
}

const gcCounts = new WeakMap<CliProcess, number>()

/**
 * Runs a full garbage collection in a relay started with `gcOnSignal`, waits until it is done, and
 * returns the V8 heap in use and the memory held outside it (Buffers), in bytes, right after it.
 */
export async function forceGc(relay: CliRelay): Promise<{ heapUsed: number; external: number }> {
  const n = (gcCounts.get(relay.cli) ?? 0) + 1
  gcCounts.set(relay.cli, n)
  process.kill(relay.pid, 'SIGUSR2')
  const line = await relay.cli.waitForLine(new RegExp(`^gc done ${n} `))
  const match = /heapUsed=(\d+) external=(\d+)/.exec(line)!
  return { heapUsed: Number(match[1]), external: Number(match[2]) }
}

/** Resident memory of a process, in bytes (VmRSS), and its peak so far (VmHWM). */
export function readMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`)
    return Number(match[1]) * 1024
  }
  return { rss: kib('VmRSS'), peak: kib('VmHWM') }
}

export const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`

/** GET /health of a relay on loopback. */
export async function fetchHealth(port: number): Promise<RelayHealth> {
  const response = await fetch(`http://127.0.0.1:${port}/health`)
  if (response.status !== 200) throw new Error(`/health answered ${response.status}`)
  return (await response.json()) as RelayHealth
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

/** Listens on `port` (0: any); resolves with the server, or rejects with the listen error (EADDRINUSE). */
export async function listenOn(port: number, host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer(socket => socket.destroy())
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  return server
}

export const closeServer = (server: net.Server) => new Promise<void>(resolve => server.close(() => resolve()))

/**
 * What a relay answered to a WebSocket upgrade it refused before the socket opened. The harness's
 * RawPeer records the status and body, but its `opened`/`closed` settle only if the relay also
 * drops the connection (ws leaves a handled unexpected response to the caller), so this waits for
 * the complete body itself (the relay ends it with a newline) and then disposes of the socket.
 */
export async function refusedUpgrade(peer: RawPeer, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  try {
    await eventually(
      () => peer.socket.readyState === WebSocket.OPEN || (peer.refusedStatus !== undefined && peer.refusedBody.endsWith('\n')),
      timeoutMs,
      'an HTTP refusal of the upgrade',
    )
  } finally {
    if (peer.socket.readyState === WebSocket.CONNECTING) peer.socket.terminate()
  }
  if (peer.socket.readyState === WebSocket.OPEN) {
    peer.socket.terminate()
    throw new Error('the upgrade was accepted, not refused')
  }
  return { status: peer.refusedStatus!, body: peer.refusedBody.trimEnd() }
}

/** A raw upgrade request, for the response headers (Retry-After) RawPeer does not keep. */
export function upgradeRequest(
  port: number,
  path: string,
): Promise<{ upgraded: true } | { upgraded: false; status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
      },
    })
    request.on('upgrade', (_res, socket) => {
      socket.destroy()
      resolve({ upgraded: true })
    })
    request.on('response', response => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ upgraded: false, status: response.statusCode!, headers: response.headers, body }))
    })
    request.on('error', reject)
  })
}

/**
 * Opens a fresh pipe between two new peers and checks that text and binary messages cross it both
 * ways: the relay still works for everyone else after it refused somebody.
 */
export async function expectPairPipes(baseUrl: string, a = `pair-a-${Math.random().toString(36).slice(2, 8)}`, b = `pair-b-${Math.random().toString(36).slice(2, 8)}`): Promise<void> {
  const left = await openPeer(baseUrl, `/connection/${a}/${b}/pair-doc`)
  const right = await openPeer(baseUrl, `/connection/${b}/${a}/pair-doc`)
  try {
    left.send('hello from a')
    left.send(Buffer.from([1, 2, 3]))
    right.send(Buffer.from([4, 5]))
    right.send('hello from b')
    const [text, binary] = await right.waitForMessages(2)
    const [binaryBack, textBack] = await left.waitForMessages(2)
    const ok =
      !text!.isBinary &&
      text!.data.toString() === 'hello from a' &&
      binary!.isBinary &&
      binary!.data.equals(Buffer.from([1, 2, 3])) &&
      binaryBack!.isBinary &&
      binaryBack!.data.equals(Buffer.from([4, 5])) &&
      !textBack!.isBinary &&
      textBack!.data.toString() === 'hello from b'
    if (!ok) throw new Error('a fresh pair did not get its messages through intact')
  } finally {
    left.socket.terminate()
    right.socket.terminate()
  }
}

/** A message whose first four bytes are its sequence number, for checking order and completeness. */
export function sequenced(seq: number, size: number): Buffer {
  const message = Buffer.alloc(size, seq & 0xff)
  message.writeUInt32BE(seq, 0)
  return message
}

/** Throws unless `messages` are exactly 0..count-1 of `size` bytes each, in order. */
export function expectSequence(messages: { data: Buffer; isBinary: boolean }[], count: number, size: number): void {
  if (messages.length !== count) throw new Error(`expected ${count} messages, got ${messages.length}`)
  for (let i = 0; i < count; i++) {
    const { data, isBinary } = messages[i]!
    if (!isBinary || data.length !== size || data.readUInt32BE(0) !== i || data[size - 1] !== (i & 0xff)) {
      throw new Error(`message ${i} is wrong: ${isBinary ? 'binary' : 'text'}, ${data.length} bytes, seq ${data.length >= 4 ? data.readUInt32BE(0) : '?'}`)
    }
  }
}

/** Yields to the event loop so sockets can flush and read. */
export const tick = () => new Promise<void>(resolve => setImmediate(resolve))
export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

/**
 * Sends sequenced binary messages of `size` bytes until the socket's own send buffer holds
 * `pushbackBytes` (TCP pushed back: the far end stopped reading) or `maxBytes` were attempted.
 * Returns how many messages were sent and whether it stopped because of the pushback.
 */
export async function floodUntilPushback(
  socket: WebSocket,
  options: { size: number; maxBytes: number; pushbackBytes: number; firstSeq?: number; onBatch?: () => void },
): Promise<{ sent: number; pushedBack: boolean }> {
  const { size, maxBytes, pushbackBytes, firstSeq = 0 } = options
  let sent = 0
  while (sent * size < maxBytes) {
    if (socket.bufferedAmount >= pushbackBytes) return { sent, pushedBack: true }
    if (socket.readyState !== WebSocket.OPEN) throw new Error(`socket closed after ${sent} messages`)
    socket.send(sequenced(firstSeq + sent, size), { binary: true })
    sent++
    if (sent % 16 === 0) {
      options.onBatch?.()
      await tick()
    }
  }
  return { sent, pushedBack: socket.bufferedAmount >= pushbackBytes }
}

/**
 * Every refusal the model logged names its code and a human-readable reason. Throws listing the
 * ones that do not (call it last in a test, so the rest of the test still runs first).
 */
export function expectEveryRefusalExplained(events: RelayEvent[]): void {
  const refusals = events.filter(event => event.kind === 'refusal')
  const bare = refusals.filter(event => typeof event.code !== 'number' || !event.reason)
  if (bare.length > 0) {
    const list = bare.map(event => `${event.refusal} (code ${event.code}, reason ${JSON.stringify(event.reason)})`).join(', ')
    throw new Error(`refusal events without a reason: ${list}`)
  }
}

export interface TcpProxy {
  port: number
  /** Connections currently forwarded. */
  readonly connections: Set<{ client: net.Socket; upstream: net.Socket }>
  /**
   * The client side's network goes away: its socket is destroyed, while the connection to the
   * target stays open and silent (a half-open socket, as the relay sees after a network change).
   */
  cutAll(): void
  close(): Promise<void>
}

/** A TCP forwarder on loopback to `targetPort`, for simulating a client whose network drops. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const connections = new Set<{ client: net.Socket; upstream: net.Socket }>()
  const orphans = new Set<net.Socket>()
  const server = net.createServer(client => {
    const upstream = net.connect(targetPort, '127.0.0.1')
    const pair = { client, upstream }
    connections.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    const drop = () => {
      connections.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    cutAll() {
      for (const pair of [...connections]) {
        connections.delete(pair)
        pair.upstream.unpipe(pair.client)
        pair.client.unpipe(pair.upstream)
        pair.upstream.removeAllListeners('close').removeAllListeners('error')
        pair.upstream.on('error', () => {})
        // Whatever the target still sends is lost, like packets to a device that left.
        pair.upstream.on('data', () => {})
        pair.client.removeAllListeners('close').removeAllListeners('error')
        pair.client.on('error', () => {})
        pair.client.destroy()
        orphans.add(pair.upstream)
        pair.upstream.once('close', () => orphans.delete(pair.upstream))
      }
    },
    async close() {
      for (const pair of connections) {
        pair.client.destroy()
        pair.upstream.destroy()
      }
      for (const socket of orphans) socket.destroy()
      await new Promise(resolve => server.close(resolve))
    },
  }
}
