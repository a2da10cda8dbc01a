/**
 * Which interfaces carry the machine's default IPv4 route: the network the machine uses for
 * everything is the likeliest one its users' phones and laptops are on. Linux tells through
 * /proc/net/route; elsewhere no interface is preferred and the order falls back to the others.
 */
import { readFileSync } from 'node:fs'

const ROUTE_TABLE = '/proc/net/route'
const RTF_UP = 0x1

export function defaultRouteInterfaces(): Set<string> {
  try {
    return parseRouteTable(readFileSync(ROUTE_TABLE, 'utf8'))
  } catch {
    return new Set()
  }
}

/** Interfaces with an up route to 0.0.0.0/0, from the text of /proc/net/route. */
export function parseRouteTable(text: string): Set<string> {
  const found = new Set<string>()
  for (const line of text.split('\n').slice(1)) {
    const [name, destination, , flags, , , , mask] = line.trim().split(/\s+/)
    if (!name || mask === undefined) continue
    if (destination === '00000000' && mask === '00000000' && (Number.parseInt(flags!, 16) & RTF_UP) !== 0) found.add(name)
  }
  return found
}
