import { networkInterfaces } from 'node:os'

const WILDCARDS = new Set([undefined, '', '0.0.0.0', '::'])

export const isWildcardHost = (host: string | undefined) => WILDCARDS.has(host)

/** `ws://` URLs a client can dial: for an all-interfaces relay, loopback and each LAN IPv4 address. */
export function relayUrls(host: string | undefined, port: number): string[] {
  if (!isWildcardHost(host)) return [`ws://${formatHost(host!)}:${port}`]
  const urls = [`ws://localhost:${port}`]
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (!address.internal && address.family === 'IPv4') urls.push(`ws://${address.address}:${port}`)
    }
  }
  return urls
}

export const formatHost = (host: string) => (host.includes(':') ? `[${host}]` : host)
