/**
 * Processes the tests run inside a host's namespace — relays, LAN agents, the python checker —
 * with their output collected line by line (and parsed, for JSON lines) as it comes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { REPO_ROOT } from './processes.js'
import { until } from './clients.js'
import { PYTHON, type Host } from './netns.js'

export interface NsProcessOptions {
  /** Gives the process its own host name (a UTS namespace), as a separate machine would have. */
  hostname?: string
  env?: Record<string, string>
  /**
   * Runs it in a process group of its own and signals the whole group, as Ctrl-C in a terminal
   * does: `npm run` does not pass SIGTERM on to the script it runs.
   */
  group?: boolean
}

export type AgentEvent = { ev: string; at: number } & Record<string, unknown>

const running = new Set<NsProcess>()

export class NsProcess {
  readonly child: ChildProcess
  readonly lines: string[] = []
  readonly errors: string[] = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private partial = ''
  private readonly group: boolean

  constructor(host: Host, command: string[], options: NsProcessOptions = {}) {
    // `ip netns exec`, `unshare` and `sh -c 'exec ...'` all exec in place: the child's pid is the program's.
    const withHostname = options.hostname ? ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', options.hostname] : []
    this.child = spawn('ip', ['netns', 'exec', host.ns, ...withHostname, ...command], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.group ?? false,
    })
    this.group = options.group ?? false
    running.add(this)
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const text = this.partial + chunk
      const complete = text.split('\n')
      this.partial = complete.pop()!
      this.lines.push(...complete)
    })
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.errors.push(chunk))
    this.child.stdin!.on('error', () => {})
    this.exited = new Promise(resolve => {
      this.child.once('close', (code, signal) => {
        running.delete(this)
        resolve({ code, signal })
      })
    })
  }

  get pid(): number {
    return this.child.pid!
  }

  /** JSON lines printed so far, parsed. */
  get events(): AgentEvent[] {
    return this.lines.filter(line => line.startsWith('{')).map(line => JSON.parse(line) as AgentEvent)
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`)
  }

  /** Waits for a line matching `match` and returns it (with the time it was seen here). */
  async waitForLine(match: RegExp, timeoutMs = 10_000, after = 0): Promise<{ line: string; seenAt: number }> {
    let found: string | undefined
    await until(
      () => (found = this.lines.slice(after).find(line => match.test(line))) !== undefined,
      timeoutMs,
      () => `a line matching ${match}; output:\n${this.lines.join('\n')}\nstderr:\n${this.errors.join('')}`,
    )
    return { line: found!, seenAt: Date.now() }
  }

  /** Everything written to stderr so far (the relay writes its problems there). */
  get stderr(): string {
    return this.errors.join('')
  }

  /** Waits until stderr, from character `after` on, matches `match`; resolves with where the match ends. */
  async waitForStderr(match: RegExp, timeoutMs = 10_000, after = 0): Promise<number> {
    let end = -1
    await until(
      () => {
        const found = match.exec(this.stderr.slice(after))
        if (found) end = after + found.index + found[0].length
        return found !== null
      },
      timeoutMs,
      () => `stderr matching ${match}; stderr:\n${this.stderr.slice(after)}\nstdout:\n${this.lines.slice(-20).join('\n')}`,
    )
    return end
  }

  /** Waits for the first JSON event (after the first `after` events) that `match` accepts. */
  async waitForEvent(match: (event: AgentEvent) => boolean, timeoutMs = 10_000, after = 0, what = 'an event'): Promise<AgentEvent> {
    let found: AgentEvent | undefined
    await until(
      () => (found = this.events.slice(after).find(match)) !== undefined,
      timeoutMs,
      () => `${what}; events:\n${this.lines.slice(-30).join('\n')}\nstderr:\n${this.errors.join('').slice(-2000)}`,
    )
    return found!
  }

  /** Sends `signal` to this process (by pid) and waits for it to exit; SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.signal(signal)
    const killer = setTimeout(() => this.signal('SIGKILL'), timeoutMs)
    const exit = await this.exited
    clearTimeout(killer)
    return exit
  }

  /** Signals the process, or its whole group when it has one. */
  signal(signal: NodeJS.Signals): void {
    try {
      if (this.group) process.kill(-this.pid, signal)
      else this.child.kill(signal)
    } catch {
      // Already gone.
    }
  }
}

/** Kills (SIGKILL, by pid or process group) every process this test file started that is still running. */
export async function killAll(): Promise<void> {
  const left = [...running]
  for (const started of left) started.signal('SIGKILL')
  await Promise.all(left.map(started => started.exited))
}

/** A node process running a TypeScript file of this repo inside the namespace (the workspace packages from source too). */
export function nodeIn(host: Host, script: string, args: string[] = [], options: NsProcessOptions = {}): NsProcess {
  return new NsProcess(host, [process.execPath, '--conditions=@switchboard/source', '--import', 'tsx', script, ...args], options)
}

/** The LAN agent (agents/lan-agent.ts) on a host, ready for commands. */
export async function startAgent(host: Host): Promise<NsProcess> {
  const agent = nodeIn(host, 'test/discovery/agents/lan-agent.ts')
  await agent.waitForEvent(event => event.ev === 'ready', 15_000, 0, 'the agent to start')
  return agent
}

export interface RelayStart {
  hostname: string
  /** Where the relay keeps its instance id (SWITCHBOARD_INSTANCE_ID_FILE). */
  idFile: string
  args?: string[]
  /** Start it exactly as a user does: `npm run relay` (pre-scripts skipped: they build the dashboard). */
  viaNpm?: boolean
}

/** The headless relay CLI on a host, on port 8080 unless `args` say otherwise. */
export function startRelay(host: Host, start: RelayStart): NsProcess {
  const args = ['--port', '8080', ...(start.args ?? [])]
  const options = { hostname: start.hostname, env: { SWITCHBOARD_INSTANCE_ID_FILE: start.idFile, npm_config_update_notifier: 'false' } }
  if (!start.viaNpm) return nodeIn(host, 'src-main/cli/relay.ts', args, options)
  return new NsProcess(host, ['npm', 'run', '--silent', '--ignore-scripts', 'relay', '--', ...args], { ...options, group: true })
}

/** What python-zeroconf (agents/zeroconf_check.py) found when browsing from a host. */
export interface ZeroconfService {
  name: string
  resolved: boolean
  server?: string
  port?: number
  addresses?: string[]
  txt?: Record<string, string | null>
  /** The SRV target's addresses from a plain mDNS A query. */
  hostResolves?: string[]
}

export async function zeroconfBrowse(host: Host, seconds = 1): Promise<ZeroconfService[]> {
  return ((await zeroconfCheck(host, ['browse', String(seconds)])) as { services: ZeroconfService[] }).services
}

/** Every address python-zeroconf hears for a `.local` name from one plain A query (all answering hosts together). */
export async function zeroconfResolve(host: Host, name: string): Promise<string[]> {
  return ((await zeroconfCheck(host, ['resolve', name])) as { addresses: string[] }).addresses
}

/** Runs agents/zeroconf_check.py to its end and returns the last JSON object it printed. */
async function zeroconfCheck(host: Host, args: string[]): Promise<unknown> {
  const checker = new NsProcess(host, [PYTHON, 'test/discovery/agents/zeroconf_check.py', ...args])
  const { code } = await checker.exited
  const last = checker.lines.filter(line => line.startsWith('{')).pop()
  if (code !== 0 || !last) throw new Error(`zeroconf_check.py failed (${code}): ${checker.errors.join('')}`)
  return JSON.parse(last)
}
