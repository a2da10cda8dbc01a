import { createHash, timingSafeEqual } from 'node:crypto'
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { RecentMap } from './recent-map.js'

export interface AccessOptions {
  /** When set, every relay endpoint requires it (as a leading path segment or a Bearer header). */
  token?: string
  /** Accept connections from public addresses too; by default only LAN-local sources may connect. */
  allowPublic?: boolean
}

/** Loopback, private (RFC 1918, CGNAT, IPv6 ULA) and link-local ranges: a LAN relay's own network. */
const lanRanges = new BlockList()
for (const [network, prefix] of [
  ['127.0.0.0', 8],
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
] as const) {
  lanRanges.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  lanRanges.addSubnet(network, prefix, 'ipv6')
}

export function isLanAddress(address: string): boolean {
  let lan = lanVerdicts.get(address)
  if (lan === undefined) {
    const bare = address.split('%')[0]!
    lan = isIPv4(bare) ? lanRanges.check(bare, 'ipv4') : isIPv6(bare) ? lanRanges.check(bare, 'ipv6') : false
    lanVerdicts.set(address, lan)
  }
  return lan
}

/**
 * Every connection is checked, and BlockList builds a SocketAddress for each check: a burst from a
 * few hosts would pay that thousands of times for the same answer.
 */
const lanVerdicts = new RecentMap<string, boolean>(1024)

/** Compares candidates with the token in constant time, whatever their length. */
export class TokenGate {
  private readonly digest: Buffer

  constructor(token: string) {
    this.digest = sha256(token)
  }

  admits(candidate: string | undefined): boolean {
    return candidate !== undefined && timingSafeEqual(sha256(candidate), this.digest)
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest()

/** Failures before answers start to slow down, and before the address is locked out. */
const FREE_FAILURES = 5
const LOCKOUT_FAILURES = 20
const FAILURE_WINDOW_MS = 60_000
const LOCKOUT_MS = 5 * 60_000
const MAX_DELAY_MS = 5_000
const MAX_TRACKED_ADDRESSES = 4_096

interface Failures {
  count: number
  windowStart: number
  lockedUntil: number
}

/**
 * Wrong or missing tokens per source address: answers to an address that keeps failing are
 * delayed, doubling from 250 ms, and after LOCKOUT_FAILURES within a minute it is refused for five
 * minutes whatever it sends.
 */
export class TokenFailures {
  private readonly byAddress = new RecentMap<string, Failures>(MAX_TRACKED_ADDRESSES)

  /** Records a failure; returns how long to wait before answering it. */
  fail(address: string, now = Date.now()): number {
    let entry = this.byAddress.get(address)
    if (!entry || now - entry.windowStart > FAILURE_WINDOW_MS) entry = { count: 0, windowStart: now, lockedUntil: 0 }
    this.byAddress.set(address, entry)
    entry.count++
    if (entry.count >= LOCKOUT_FAILURES) entry.lockedUntil = now + LOCKOUT_MS
    return entry.count <= FREE_FAILURES ? 0 : Math.min(250 * 2 ** (entry.count - FREE_FAILURES - 1), MAX_DELAY_MS)
  }

  /** Milliseconds this address stays locked out; 0 if it is not. */
  lockedOutFor(address: string, now = Date.now()): number {
    const entry = this.byAddress.get(address)
    return entry ? Math.max(0, entry.lockedUntil - now) : 0
  }
}
