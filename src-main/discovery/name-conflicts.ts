/**
 * Name conflicts (RFC 6762 §8–9). Before announcing, the relay probes its instance name and host
 * name and renames itself while another host answers for either. After announcing it keeps
 * listening, since a relay starting at the same moment or two networks joining bring a second
 * owner; then a tiebreak both sides compute alike decides which one renames, so exactly one does.
 * bonjour-service's own probe is not used: on a conflict it only logs, never emits `up`, and sends
 * goodbyes for the other host's records.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { decodeTxt, sameName, type MdnsPacket, type MdnsRecord, type MdnsSocket } from '@switchboard/lan-mdns'

export interface OwnNames {
  /** Full instance name, `<instance>._lf-relay._tcp.local`. */
  fqdn: string
  hostName: string
  port: number
  id: string
  /** Addresses this relay advertises, for the host-name tiebreak. */
  addresses: readonly string[]
}

export interface Conflict {
  /** Another service answers for our instance name. */
  instance: boolean
  /** Another machine answers for our host name. */
  host: boolean
  /** Whether we are the one to rename, when both sides already announced. */
  weYield: boolean
}

const PROBES = 3
const PROBE_INTERVAL_MS = 250

/**
 * What a response from the network says about our names. Our own packets come back to us
 * (multicast loopback) and match what we announce, so they never count.
 */
export function findConflict(packet: MdnsPacket, own: OwnNames, isLocalAddress: (address: string) => boolean): Conflict | undefined {
  let instance = false
  let instanceYield = false
  const foreignAddresses: string[] = []
  const ownKey = `${own.id}|${own.hostName.toLowerCase()}|${own.port}`
  const records = [...packet.answers, ...packet.additionals].filter(record => (record.ttl ?? 0) > 0)
  const otherId = records
    .filter(record => record.type === 'TXT' && sameName(record.name, own.fqdn))
    .map(record => decodeTxt(record.data).id ?? '')[0]
  for (const record of records) {
    if (sameName(record.name, own.fqdn) && isForeignServiceRecord(record, own, otherId)) {
      instance = true
      const { target, port } = (record.type === 'SRV' ? record.data : { target: '', port: 0 }) as { target: string; port: number }
      // Implementations that carry no id sort first, so we yield to them.
      const otherKey = `${otherId ?? ''}|${target.toLowerCase()}|${port}`
      if (otherKey < ownKey) instanceYield = true
    }
    if ((record.type === 'A' || record.type === 'AAAA') && sameName(record.name, own.hostName)) {
      const address = String(record.data)
      if (!isLocalAddress(address)) foreignAddresses.push(address)
    }
  }
  const host = foreignAddresses.length > 0
  if (!instance && !host) return undefined
  const hostYield = host && lowest(foreignAddresses) < lowest(own.addresses)
  return { instance, host, weYield: instanceYield || hostYield }
}

function isForeignServiceRecord(record: MdnsRecord, own: OwnNames, otherId: string | undefined): boolean {
  if (record.type === 'SRV') {
    const { target, port } = record.data as { target: string; port: number }
    return !sameName(target, own.hostName) || port !== own.port
  }
  return record.type === 'TXT' && otherId !== own.id
}

const lowest = (addresses: readonly string[]) => [...addresses].sort()[0] ?? ''

/**
 * Probes our names on `sockets`: three queries 250 ms apart after a random wait of up to 250 ms
 * (so relays starting together do not probe in lockstep). Resolves with what was found taken.
 */
export async function probeNames(
  sockets: readonly MdnsSocket[],
  own: OwnNames,
  isLocalAddress: (address: string) => boolean,
): Promise<{ instance: boolean; host: boolean }> {
  const taken = { instance: false, host: false }
  const listener = (packet: MdnsPacket) => {
    const conflict = findConflict(packet, own, isLocalAddress)
    taken.instance ||= conflict?.instance ?? false
    taken.host ||= conflict?.host ?? false
  }
  for (const socket of sockets) socket.on('response', listener)
  try {
    await delay(Math.random() * PROBE_INTERVAL_MS)
    for (let i = 0; i < PROBES && !taken.instance && !taken.host; i++) {
      for (const socket of sockets) {
        socket.query(
          [
            { name: own.fqdn, type: 'ANY' },
            { name: own.hostName, type: 'ANY' },
          ],
          () => {},
        )
      }
      await delay(PROBE_INTERVAL_MS)
    }
  } finally {
    for (const socket of sockets) socket.off('response', listener)
  }
  return taken
}
