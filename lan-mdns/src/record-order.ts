/// <reference path="./dns-packet.d.ts" />
/**
 * The simultaneous-probe tiebreak of RFC 6762 §8.2. Two hosts probing one name at once compare the
 * records they propose for it, as raw bytes: each side's records sorted by class, type and rdata,
 * then compared pair by pair; the lexicographically LATER set wins, and the loser waits a second
 * and probes again. Both sides compute the same answer from the same packets, so exactly one keeps
 * the name whatever software the other runs (Avahi, mDNSResponder, another Switchboard).
 */
import { record as rdataCodec } from 'dns-packet'
import { toType } from 'dns-packet/types.js'
import type { MdnsRecord } from './mdns-endpoint.js'

/** The uncompressed rdata of a record; empty for a type the codec does not know (it then sorts first). */
function rdataBytes(record: Pick<MdnsRecord, 'type' | 'data'>): Buffer {
  try {
    return rdataCodec(record.type).encode(record.data).subarray(2)
  } catch {
    return Buffer.alloc(0)
  }
}

interface Comparable {
  type: number
  rdata: Buffer
}

const comparable = (record: MdnsRecord): Comparable => ({ type: toType(record.type), rdata: rdataBytes(record) })

function compareOne(a: Comparable, b: Comparable): number {
  if (a.type !== b.type) return a.type - b.type
  return Buffer.compare(a.rdata, b.rdata)
}

/**
 * Compares two hosts' proposed records for one name: positive when `ours` is later (we win),
 * negative when `theirs` is, 0 when identical (then it is our own probe come back, or a host that
 * means exactly what we mean: no conflict). A set that is a prefix of the other sorts first.
 */
export function compareProbeRecords(ours: readonly MdnsRecord[], theirs: readonly MdnsRecord[]): number {
  const [a, b] = [ours.map(comparable).sort(compareOne), theirs.map(comparable).sort(compareOne)]
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    // The RFC compares the class first; mDNS records are all class IN (the cache-flush bit is not part of it).
    const order = compareOne(a[i]!, b[i]!)
    if (order !== 0) return order
  }
  return a.length - b.length
}
