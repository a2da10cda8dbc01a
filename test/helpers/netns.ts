/**
 * Real hosts on one machine: network namespaces, each with its own `eth0`, joined by a bridge that
 * lives in a namespace of its own. Nothing leaves these namespaces: their only link is the bridge,
 * their addresses (10.213.x.y, or the range a test asks for) exist nowhere else, and nothing is ever
 * added to the machine's own namespace.
 */
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { describe, test } from 'vitest'

const run = promisify(execFile)
const ip = (...args: string[]) => run('ip', args)

export type Capability = { ok: true } | { ok: false; reason: string }

export const PYTHON = '/usr/bin/python3'

/** Whether this machine can run the namespace tests: root, `ip netns`, `unshare`, python3-zeroconf. */
export async function lanCapability(): Promise<Capability> {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root (network namespaces need root)' }
  const probe = `sbprobe-${randomBytes(4).toString('hex')}`
  try {
    await ip('netns', 'add', probe)
    await ip('netns', 'del', probe)
  } catch (error) {
    return { ok: false, reason: `ip netns unavailable (${firstLine(error)}); install iproute2` }
  }
  try {
    await run('unshare', ['--uts', 'true'])
  } catch (error) {
    return { ok: false, reason: `unshare --uts unavailable (${firstLine(error)})` }
  }
  try {
    await run(PYTHON, ['-c', 'import zeroconf'])
  } catch {
    return { ok: false, reason: `python3-zeroconf missing (${PYTHON} cannot import zeroconf); apt-get install python3-zeroconf` }
  }
  return { ok: true }
}

const firstLine = (error: unknown) => String((error as { stderr?: string }).stderr || (error as Error).message).split('\n')[0]

/**
 * `describe` for tests that need namespaces. Where they cannot run it says so loudly and skips;
 * under CI (which runs as root and must run them) it fails instead, so a skip never passes for green.
 */
export function describeOnLan(capability: Capability, name: string, body: () => void): void {
  if (capability.ok) {
    describe(name, body)
    return
  }
  const message = `network-namespace tests NOT RUN (${name}): ${capability.reason}`
  if (process.env.CI) {
    describe(name, () => {
      test('the namespace tests can run (CI requires them)', () => {
        throw new Error(message)
      })
    })
    return
  }
  console.warn(`\n*** ${message} ***\n`)
  describe.skip(name, body)
}

export interface Host {
  /** The namespace name. */
  ns: string
  /** Address of its eth0 on the first network. */
  ip: string
}

export interface LanSpec {
  /** Hosts on the first network (10.213.0.11, .12, ...). */
  hosts: number
  /** The first three octets of the first network instead of 10.213.0, e.g. a public range. */
  firstNetwork?: string
  /** Extra networks: each lists host indexes (0-based) that get one more interface on it (eth1, ...) and how many new hosts it has. */
  extraNetworks?: { members: number[]; newHosts: number }[]
}

const namespacesAlive = new Set<string>()
// A test run killed before afterAll still removes its namespaces.
process.once('exit', () => {
  for (const ns of namespacesAlive) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' })
    } catch {
      // Already gone.
    }
  }
})

export class Lan {
  readonly hosts: Host[] = []
  /** Addresses per host on each extra network, by network index (1 = first extra). */
  readonly extraAddresses: Map<number, Map<string, string>> = new Map()
  private readonly namespaces: string[] = []

  private constructor(readonly tag: string) {}

  /** Builds the networks; unique names per call, so parallel test files never collide. */
  static async create(spec: LanSpec): Promise<Lan> {
    const lan = new Lan(`sbd-${randomBytes(3).toString('hex')}`)
    try {
      await lan.build(spec)
    } catch (error) {
      await lan.destroy()
      throw error
    }
    return lan
  }

  /** Runs `ip -n <ns> ...args` in a host's namespace. */
  async ip(host: Host, ...args: string[]): Promise<void> {
    await ip('-n', host.ns, ...args)
  }

  async destroy(): Promise<void> {
    for (const ns of this.namespaces.splice(0).reverse()) {
      await ip('netns', 'del', ns).catch(() => {})
      namespacesAlive.delete(ns)
    }
  }

  private async addNamespace(ns: string): Promise<void> {
    await ip('netns', 'add', ns)
    this.namespaces.push(ns)
    namespacesAlive.add(ns)
    await ip('-n', ns, 'link', 'set', 'lo', 'up')
  }

  private async build(spec: LanSpec): Promise<void> {
    const hostCount = spec.hosts + (spec.extraNetworks ?? []).reduce((sum, network) => sum + network.newHosts, 0)
    for (let i = 0; i < hostCount; i++) {
      const ns = `${this.tag}-h${i + 1}`
      await this.addNamespace(ns)
      this.hosts.push({ ns, ip: '' })
    }
    const networks = [{ members: [...Array(spec.hosts).keys()], newHosts: 0 }, ...(spec.extraNetworks ?? [])]
    let nextNewHost = spec.hosts
    const interfacesUsed = new Map<string, number>()
    for (const [index, network] of networks.entries()) {
      const bridgeNs = `${this.tag}-lan${index}`
      await this.addNamespace(bridgeNs)
      // Snooping off: without an IGMP querier a snooping bridge may drop the multicast mDNS needs.
      await ip('-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
      await ip('-n', bridgeNs, 'link', 'set', 'br0', 'up')
      const members = [...network.members, ...Array.from({ length: network.newHosts }, () => nextNewHost++)]
      const addresses = new Map<string, string>()
      for (const [position, hostIndex] of members.entries()) {
        const host = this.hosts[hostIndex]!
        const slot = interfacesUsed.get(host.ns) ?? 0
        interfacesUsed.set(host.ns, slot + 1)
        const device = `eth${slot}`
        const port = `p${hostIndex + 1}`
        const address = `${index === 0 && spec.firstNetwork ? spec.firstNetwork : `10.213.${index}`}.${11 + position}`
        await ip('-n', host.ns, 'link', 'add', device, 'type', 'veth', 'peer', 'name', port, 'netns', bridgeNs)
        await ip('-n', bridgeNs, 'link', 'set', port, 'master', 'br0')
        await ip('-n', bridgeNs, 'link', 'set', port, 'up')
        await ip('-n', host.ns, 'addr', 'add', `${address}/24`, 'dev', device)
        await ip('-n', host.ns, 'link', 'set', device, 'up')
        // No default route in a namespace: mDNS needs a multicast route, or nothing is sent and no error raised.
        if (slot === 0) await ip('-n', host.ns, 'route', 'add', '224.0.0.0/4', 'dev', device)
        if (index === 0 || slot === 0) host.ip ||= address
        addresses.set(host.ns, address)
      }
      if (index > 0) this.extraAddresses.set(index, addresses)
    }
  }
}
