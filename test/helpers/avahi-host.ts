/**
 * Debian's avahi-daemon on a test host, as a second independent mDNS implementation beside
 * python-zeroconf: each host gets its own host name (a UTS namespace), a tmpfs over /run (the pid
 * file and runtime files of the machine's own daemons stay untouched) and a private D-Bus system
 * bus, which avahi-daemon and its command-line tools (avahi-browse, avahi-resolve) talk through.
 * The dbus-daemon is the long-lived process that holds the namespaces; everything else joins it.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Host } from './netns.js'
import { NsProcess } from './ns-process.js'

const run = promisify(execFile)

/** Whether avahi-daemon, its tools and dbus-daemon are installed (Debian: avahi-daemon avahi-utils dbus). */
export async function avahiMissing(): Promise<string | undefined> {
  for (const tool of ['avahi-daemon', 'avahi-browse', 'avahi-resolve', 'dbus-daemon']) {
    try {
      await run('sh', ['-c', `command -v ${tool}`])
    } catch {
      return `${tool} missing: apt-get install avahi-daemon avahi-utils dbus`
    }
  }
  return undefined
}

const dbusConfig = (socket: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`

// Rate limits off: tests ask the same questions many times a second.
const avahiConfig = `[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=eth0
ratelimit-interval-usec=1000000
ratelimit-burst=10000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
`

/** A line avahi-browse -p printed for a resolved service (`=;eth0;IPv4;name;type;domain;host;address;port;txt`). */
export interface AvahiService {
  name: string
  hostName: string
  address: string
  port: number
  txt: string[]
}

export class AvahiHost {
  private daemon: NsProcess | undefined

  private constructor(
    readonly host: Host,
    readonly hostname: string,
    private readonly dir: string,
    private readonly bus: NsProcess,
  ) {}

  /** Starts the namespaces and the bus on `host`, named `hostname`; `start()` then runs avahi-daemon. */
  static async create(host: Host, hostname: string, dir: string): Promise<AvahiHost> {
    mkdirSync(dir, { recursive: true })
    const socket = join(dir, 'system_bus_socket')
    writeFileSync(join(dir, 'dbus.conf'), dbusConfig(socket))
    writeFileSync(join(dir, 'avahi-daemon.conf'), avahiConfig)
    const bus = new NsProcess(host, [
      'unshare',
      '--uts',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'hostname "$0" && mount -t tmpfs tmpfs /run && exec dbus-daemon --nofork --nopidfile --print-address --config-file="$1"',
      hostname,
      join(dir, 'dbus.conf'),
    ])
    await bus.waitForLine(/^unix:path=/, 15_000)
    return new AvahiHost(host, hostname, dir, bus)
  }

  private get env(): Record<string, string> {
    return { DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${join(this.dir, 'system_bus_socket')}` }
  }

  /** Runs a command in this host's namespaces (network, host name, /run). */
  exec(command: string[]): NsProcess {
    return new NsProcess(this.host, ['nsenter', '-t', String(this.bus.pid), '-u', '-m', ...command], { env: this.env })
  }

  /** Starts avahi-daemon and waits until it settled on a host name; resolves with that name (`twin-2.local` after a conflict). */
  async start(): Promise<string> {
    // It logs to stderr when not daemonized; merged into stdout, its lines can be waited for.
    this.daemon = this.exec(['sh', '-c', 'exec "$@" 2>&1', 'avahi-daemon', 'avahi-daemon', '--no-drop-root', '--no-chroot', '--no-rlimits', '--no-proc-title', '-f', join(this.dir, 'avahi-daemon.conf')])
    return this.settledName(0)
  }

  /** The host name Avahi settled on after its log's line `after` ("Server startup complete. Host name is X."). */
  async settledName(after: number, timeoutMs = 30_000): Promise<string> {
    const { line } = await this.daemonProcess.waitForLine(/Server startup complete\. Host name is /, timeoutMs, after)
    return /Host name is (\S+)\. Local/.exec(line)![1]!
  }

  /** Avahi's log lines so far (of its last start), empty when it never started. */
  get log(): string[] {
    return this.daemon?.lines ?? []
  }

  get daemonProcess(): NsProcess {
    if (!this.daemon) throw new Error('avahi-daemon not started')
    return this.daemon
  }

  async stop(): Promise<void> {
    await this.daemon?.stop('SIGTERM')
    this.daemon = undefined
  }

  async destroy(): Promise<void> {
    await this.stop()
    await this.bus.stop('SIGTERM')
  }

  /** `avahi-browse -rpt TYPE`: every instance, resolved, from Avahi's cache plus one round of queries. */
  async browse(type: string): Promise<AvahiService[]> {
    const lines = await this.output(['avahi-browse', '-rpt', type])
    return lines
      .filter(line => line.startsWith('='))
      .map(line => {
        const [, , , name, , , hostName, address, port, txt] = line.split(';')
        return { name: unescape(name!), hostName: hostName!, address: address!, port: Number(port), txt: (txt ?? '').match(/"[^"]*"/g)?.map(text => text.slice(1, -1)) ?? [] }
      })
  }

  /**
   * Browses `type` again and again (each run is a fresh look: avahi-browse exits after one round)
   * until `accept` takes what it saw; rejects with the last sight after `timeoutMs`.
   */
  async browseUntil(type: string, accept: (services: AvahiService[]) => boolean, timeoutMs: number): Promise<AvahiService[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const services = await this.browse(type)
      if (accept(services)) return services
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms browsing ${type} on ${this.hostname}; last saw ${JSON.stringify(services)}`)
    }
  }

  /** `avahi-resolve -4 -n NAME`: the address Avahi resolves a host name to, or undefined. */
  async resolveName(name: string): Promise<string | undefined> {
    const lines = await this.output(['avahi-resolve', '-4', '-n', name], true)
    return lines.map(line => line.split('\t')[1]).find(Boolean)
  }

  /** Runs a tool to its end and returns its output lines; a failure throws unless `mayFail`. */
  private async output(command: string[], mayFail = false): Promise<string[]> {
    const tool = this.exec(command)
    const { code } = await tool.exited
    if (code !== 0 && !mayFail) throw new Error(`${command.join(' ')} failed (${code}): ${tool.errors.join('')}`)
    return tool.lines.filter(Boolean)
  }
}

/** avahi-browse -p writes non-alphanumeric bytes of names as `\DDD` (decimal). */
const unescape = (text: string) => text.replace(/\\(\d{3})/g, (_, code: string) => String.fromCharCode(Number(code)))
