/**
 * Name conflicts as RFC 6762 §8–9 define them, so that Switchboard settles a name with Avahi,
 * mDNSResponder or another Switchboard the way each of them expects:
 * - before answering for a name the relay probes it (three queries 250 ms apart, proposing its
 *   records in the authority section); an answer from another host with other data means taken;
 * - two hosts probing one name at once compare their proposals byte-wise (lan-mdns record-order):
 *   the later data wins, the loser waits a second and probes again (it renames only if the winner
 *   then answers);
 * - after announcing, a response from another host with other data for one of our names sends the
 *   relay back to probing (the advertiser's business), never straight to a rename;
 * - identical data is no conflict: the machine's own responder (Avahi on the relay's host) answers
 *   the relay's host name with the same addresses, and must stay unnoticed.
 * bonjour-service's own probe is not used: on a conflict it only logs, never emits `up`, and sends
 * goodbyes for the other host's records.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { compareProbeRecords, decodeTxt, sameName, type MdnsPacket, type MdnsRecord, type MdnsSocket } from '@switchboard/lan-mdns'

/** The names a relay claims: its instance name, its `.local` host name, and `lf-relay.local` when it is the pick. */
export type NameKey = 'instance' | 'host' | 'wellKnown'

export interface OwnNames {
  /** Full instance name, `<instance>._lf-relay._tcp.local`. */
  fqdn: string
  hostName: string
  port: number
  id: string
  /** The well-known name, while this relay claims or holds it. */
  wellKnown?: string
}

const PROBES = 3
const PROBE_INTERVAL_MS = 250
/** RFC 6762 §8.2: how long the loser of a simultaneous probe waits before probing again. */
export const TIEBREAK_DEFER_MS = 1_000

const nameOf = (own: OwnNames, key: NameKey) => (key === 'instance' ? own.fqdn : key === 'host' ? own.hostName : own.wellKnown)

/**
 * Which of our names a packet from the network gives other data for. Our own packets come back to
 * us (multicast loopback) and match what we announce, so they never count; neither do addresses of
 * this machine (its own responder), goodbyes, or a TXT record that only changed its values.
 */
export function findConflicts(packet: Pick<MdnsPacket, 'answers' | 'additionals'>, own: OwnNames, isLocalAddress: (address: string) => boolean): Set<NameKey> {
  const found = new Set<NameKey>()
  for (const record of [...packet.answers, ...packet.additionals]) {
    if ((record.ttl ?? 0) <= 0) continue
    for (const key of ['instance', 'host', 'wellKnown'] as const) {
      const name = nameOf(own, key)
      if (name !== undefined && sameName(record.name, name) && isForeign(record, key, own, isLocalAddress)) found.add(key)
    }
  }
  return found
}

function isForeign(record: MdnsRecord, key: NameKey, own: OwnNames, isLocalAddress: (address: string) => boolean): boolean {
  if (key !== 'instance') return (record.type === 'A' || record.type === 'AAAA') && !isLocalAddress(String(record.data))
  if (record.type === 'SRV') {
    const { target, port } = record.data as { target: string; port: number }
    return !sameName(target, own.hostName) || port !== own.port
  }
  // Our own TXT changes its values (priority, token flag) while older copies are still in flight.
  return record.type === 'TXT' && decodeTxt(record.data).id !== own.id
}

/** One network to probe on: its socket, and the records we would announce there. */
export interface ProbeTarget {
  socket: MdnsSocket
  records: readonly MdnsRecord[]
}

export interface ProbeResult {
  /** Names another host answered for with other data: rename (or, for the well-known name, wait). */
  taken: Set<NameKey>
  /** Names another host was probing at the same time with later data: wait a second and probe again. */
  deferred: Set<NameKey>
}

/**
 * Probes `keys` on every target: after a random wait of up to 250 ms (so hosts starting together
 * do not probe in lockstep), three queries 250 ms apart, each proposing our records for the names.
 * Stops early once a name is taken or a simultaneous probe won.
 */
export async function probeNames(targets: readonly ProbeTarget[], own: OwnNames, keys: readonly NameKey[], isLocalAddress: (address: string) => boolean): Promise<ProbeResult> {
  const result: ProbeResult = { taken: new Set(), deferred: new Set() }
  const names = keys.map(key => [key, nameOf(own, key)!] as const)
  const proposals = targets.map(target => ({
    socket: target.socket,
    // Authority records carry no cache-flush bit: they are a proposal, not an answer.
    records: target.records.filter(record => names.some(([, name]) => sameName(record.name, name))).map(({ name, type, ttl, data }) => ({ name, type, ttl, data })),
  }))
  const onResponse = (packet: MdnsPacket) => {
    for (const key of findConflicts(packet, own, isLocalAddress)) if (keys.includes(key)) result.taken.add(key)
  }
  const listeners = proposals.map(({ socket, records }) => {
    const onQuery = (packet: MdnsPacket) => {
      for (const [key, name] of names) {
        const forName = (proposed: readonly MdnsRecord[]) => proposed.filter(record => sameName(record.name, name))
        const theirs = forName(packet.authorities ?? [])
        // Our probe on another interface's network can reach this socket too (Linux delivers
        // multicast to every socket on the port): it carries that network's addresses, and is ours.
        if (theirs.length === 0 || proposals.some(proposal => compareProbeRecords(forName(proposal.records), theirs) === 0)) continue
        if (compareProbeRecords(forName(records), theirs) < 0) result.deferred.add(key)
      }
    }
    socket.on('response', onResponse)
    socket.on('query', onQuery)
    return { socket, onQuery }
  })
  const settled = () => result.taken.size > 0 || result.deferred.size > 0
  try {
    await delay(Math.random() * PROBE_INTERVAL_MS)
    for (let i = 0; i < PROBES && !settled(); i++) {
      for (const { socket, records } of proposals) {
        socket.query({ questions: names.map(([, name]) => ({ name, type: 'ANY' as const })), authorities: records }, () => {})
      }
      await delay(PROBE_INTERVAL_MS)
    }
  } finally {
    for (const { socket, onQuery } of listeners) {
      socket.off('response', onResponse)
      socket.off('query', onQuery)
    }
  }
  return result
}

/** RFC 6762 §8.1: after this many conflicts within the window, every further probe first waits. */
const RATE_CONFLICTS = 15
const RATE_WINDOW_MS = 10_000
const RATE_PAUSE_MS = 5_000

/** Counts conflicts so that a broken or hostile peer cannot keep the relay probing flat out. */
export class ConflictRate {
  private readonly times: number[] = []

  note(now = Date.now()): void {
    this.times.push(now)
    while (this.times.length > RATE_CONFLICTS) this.times.shift()
  }

  /** How long to wait before the next probe: 0, or 5 s once 15 conflicts fell within 10 s. */
  pauseBeforeProbe(now = Date.now()): number {
    return this.times.length >= RATE_CONFLICTS && now - this.times[0]! <= RATE_WINDOW_MS ? RATE_PAUSE_MS : 0
  }
}
