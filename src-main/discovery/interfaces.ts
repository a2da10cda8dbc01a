/**
 * Which network interfaces the relay advertises on, and which of their addresses: only what a
 * client on that network can dial. The URLs the relay shows apps follow the same rule
 * (relay/addresses.ts). Pure, so every rule is testable with made-up interface tables.
 */
import type { NetworkInterfaceInfo } from 'node:os'
import type { SkipReason, SkippedInterface } from '../../shared/relay-model.js'

const WILDCARDS = new Set([undefined, '', '0.0.0.0', '::'])

/** Whether a listen host means every interface. */
export const isWildcardHost = (host: string | undefined) => WILDCARDS.has(host)

export interface ChosenInterface {
  name: string
  /** The IPv4 address the interface's mDNS socket sends from (multicast-dns is IPv4 only). */
  ipv4: string
  /** Addresses for the A/AAAA records on this interface's network: IPv4 first, then routable IPv6. */
  addresses: string[]
}

export interface InterfaceSelection {
  chosen: ChosenInterface[]
  skipped: SkippedInterface[]
}

/**
 * Interfaces that lead to containers, VMs or tunnels, not to the LAN, by the names their software
 * gives them. Choosing one explicitly (pinning) still advertises on it.
 */
const NOT_THE_LAN: { pattern: RegExp; code: SkipReason }[] = [
  { pattern: /^(docker\d*|br-[0-9a-f]{12}|veth|virbr|vboxnet|vmnet|cni|flannel|cali|podman|lxcbr|lxdbr|vEthernet|bridge1\d\d$)/i, code: 'container-bridge' },
  { pattern: /^(tun|tap|wg|utun|tailscale|zt|ppp|ipsec|awdl|llw)/i, code: 'tunnel' },
]

/** Neutral words: the dashboard shows them whichever front end runs the relay. */
const SKIP_WORDS: Record<SkipReason, string> = {
  loopback: 'loopback',
  'container-bridge': 'container or VM bridge',
  tunnel: 'VPN or tunnel (multicast rarely crosses it)',
  'no-ipv4': 'no IPv4 address',
  'not-listen-address': 'does not hold the address the relay listens on',
  'not-chosen': 'not among the interfaces chosen to advertise on',
  'chosen-missing': 'chosen to advertise on, but not found',
  'public-only': 'only public addresses, and the relay accepts this network only',
}

export const skip = (name: string, code: SkipReason): SkippedInterface => ({ name, code, reason: SKIP_WORDS[code] })

export interface SelectOptions {
  /** Interface names to use, and no others. */
  pinned?: readonly string[]
  /** The address the relay listens on: a specific address limits advertising to that one. */
  listenHost?: string
}

export function selectInterfaces(table: NodeJS.Dict<NetworkInterfaceInfo[]>, options: SelectOptions = {}): InterfaceSelection {
  const pinned = options.pinned && options.pinned.length > 0 ? new Set(options.pinned) : undefined
  const onlyAddress = isWildcardHost(options.listenHost) ? undefined : options.listenHost
  const chosen: ChosenInterface[] = []
  const skipped: SkippedInterface[] = []
  for (const [name, infos = []] of Object.entries(table)) {
    const code = skipReason(name, infos, pinned)
    if (code) {
      skipped.push(skip(name, code))
      continue
    }
    const ipv4 = infos.filter(info => info.family === 'IPv4').map(info => info.address)
    // AAAA records cannot carry the scope a link-local IPv6 address needs.
    const ipv6 = infos.filter(info => info.family === 'IPv6' && !isLinkLocalV6(info.address)).map(info => info.address)
    const addresses = [...ipv4, ...ipv6].filter(address => onlyAddress === undefined || address === onlyAddress)
    if (ipv4.length === 0) skipped.push(skip(name, 'no-ipv4'))
    else if (addresses.length === 0) skipped.push(skip(name, 'not-listen-address'))
    else chosen.push({ name, ipv4: ipv4[0]!, addresses })
  }
  for (const name of pinned ?? []) if (!(name in table)) skipped.push(skip(name, 'chosen-missing'))
  return { chosen, skipped }
}

function skipReason(name: string, infos: NetworkInterfaceInfo[], pinned: Set<string> | undefined): SkipReason | undefined {
  if (infos.every(info => info.internal)) return 'loopback'
  if (pinned) return pinned.has(name) ? undefined : 'not-chosen'
  return NOT_THE_LAN.find(({ pattern }) => pattern.test(name))?.code
}

const isLinkLocalV6 = (address: string) => /^fe[89ab]/i.test(address)

/** Whether the relay's listen address can be reached from the LAN at all. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && (host === 'localhost' || host === '::1' || host.startsWith('127.'))
}
