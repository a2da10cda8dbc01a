/** The DNS names under which an address's host name is published (PTR), as mDNS and DNS ask for them. */
import { isIPv4, isIPv6 } from 'node:net'
import { deviceNameFault } from '@switchboard/lan-mdns/relay-service'

/** `10.0.0.5` → `5.0.0.10.in-addr.arpa`; an IPv6 address → its 32 nibbles reversed under `ip6.arpa`. Undefined for anything else. */
export function reverseName(address: string): string | undefined {
  const bare = address.split('%')[0]!
  if (isIPv4(bare)) return `${bare.split('.').reverse().join('.')}.in-addr.arpa`
  if (!isIPv6(bare)) return undefined
  return `${[...ipv6Hex(bare)].reverse().join('.')}.ip6.arpa`
}

/** The 32 hex digits of an IPv6 address, `::` and a dotted IPv4 tail expanded. */
function ipv6Hex(address: string): string {
  let text = address.toLowerCase()
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number]
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail ? tail.split(':') : []
  const missing = 8 - headGroups.length - tailGroups.length
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups]
  return groups.map(group => group.padStart(4, '0')).join('')
}

/**
 * How a PTR target reads as a device name: `annas-laptop.local.` → `annas-laptop`; other domains kept
 * whole. Any host on the LAN may answer a PTR question, so a name a client could not give itself
 * (too long, control or bidi-override characters) is refused like one.
 */
export function deviceNameFromPtr(target: string): string | undefined {
  const name = target.replace(/\.$/, '').replace(/\.local$/i, '')
  return deviceNameFault(name) === undefined ? name : undefined
}
