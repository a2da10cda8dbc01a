/**
 * The URLs the relay gives apps (the CLI's lines, the model, the dashboard's Connect card, the
 * discovery document): only addresses some LAN the relay serves can reach, chosen by the rule the
 * mDNS advertisement follows (discovery/interfaces.ts), likeliest LAN first.
 */
import type { NetworkInterfaceInfo } from 'node:os'
import { isIPv4 } from 'node:net'
import { relayUrl } from '@switchboard/lan-mdns/relay-service'
import type { SkippedInterface } from '../../shared/relay-model.js'
import { isLoopbackHost, isWildcardHost, selectInterfaces, skip } from '../discovery/interfaces.js'
import { isLanAddress } from './access.js'

export interface OfferOptions {
  /** The listen host: a specific address is the only one offered. */
  host?: string
  port: number
  /** Interface names chosen (`--interface`): the only ones offered. */
  pinned?: readonly string[]
  /** Whether the relay accepts public addresses; without it, a public address is no use to an app. */
  allowPublic?: boolean
  /** Interfaces carrying the default route (default-route.ts): their private IPv4 goes first. */
  defaultRoute?: ReadonlySet<string>
}

export interface UrlOffer {
  /** The URL where it listens, for apps on this machine: loopback for an all-interfaces relay. */
  local: string
  /** LAN addresses apps on other devices can dial, likeliest first. */
  addresses: string[]
  /** One URL per LAN address in the same order, then `local` unless it is one of them. */
  urls: string[]
  /** Interfaces given no URL, and why. */
  skipped: SkippedInterface[]
}

export function offerUrls(table: NodeJS.Dict<NetworkInterfaceInfo[]>, options: OfferOptions): UrlOffer {
  const { host, port } = options
  const local = wsUrl(isWildcardHost(host) ? 'localhost' : host!, port)
  // A loopback relay offers nothing to the LAN on purpose; listing every interface as skipped would be noise.
  if (isLoopbackHost(host)) return { local, addresses: [], urls: [local], skipped: [] }
  const selection = selectInterfaces(table, { pinned: options.pinned, listenHost: host })
  const ranked: { address: string; rank: number }[] = []
  const skipped = selection.skipped.filter(entry => entry.code !== 'loopback')
  for (const chosen of selection.chosen) {
    // A socket on 0.0.0.0 takes IPv4 only.
    const usable = chosen.addresses.filter(address => (host !== '0.0.0.0' || isIPv4(address)) && (options.allowPublic || isLanAddress(address)))
    if (usable.length === 0) skipped.push(skip(chosen.name, 'public-only'))
    for (const address of usable) ranked.push({ address, rank: rank(address, options.defaultRoute?.has(chosen.name) ?? false) })
  }
  const addresses = [...new Set(ranked.sort((a, b) => a.rank - b.rank).map(entry => entry.address))]
  const lanUrls = addresses.map(address => wsUrl(address, port))
  return { local, addresses, urls: lanUrls.includes(local) ? lanUrls : [...lanUrls, local], skipped }
}

/**
 * Lower is likelier: private IPv4 on the default route's interface (the network the machine
 * lives on), other private IPv4, other IPv4, IPv6 ULA, other IPv6 (which many apps and phones
 * still reach less reliably than IPv4 on a home LAN).
 */
function rank(address: string, onDefaultRoute: boolean): number {
  if (isIPv4(address)) {
    if (!isPrivateIPv4(address)) return 2
    return onDefaultRoute ? 0 : 1
  }
  return /^f[cd]/i.test(address) ? 3 : 4
}

const isPrivateIPv4 = (address: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(address)

const wsUrl = (host: string, port: number) => relayUrl(host, port, '/')
