import type { RelayEvent } from '../../shared/relay-model.js'

/** An event as the relay reports it, before the log numbers and dates it. */
export type NewEvent = Omit<RelayEvent, 'seq' | 'at' | 'deviceName'>

/** The most recent events, in a fixed-size ring so a busy relay never grows it. */
export class EventLog {
  private readonly ring: (RelayEvent | undefined)[]
  private next = 0
  private seq = 0

  constructor(readonly capacity: number) {
    this.ring = new Array(capacity)
  }

  add(event: NewEvent, deviceName: string | undefined, at = Date.now()): RelayEvent {
    const full = logged(++this.seq, at, event, deviceName)
    this.ring[this.next] = full
    this.next = (this.next + 1) % this.capacity
    return full
  }

  /** Oldest first. */
  list(): RelayEvent[] {
    const out: RelayEvent[] = []
    for (let i = 0; i < this.capacity; i++) {
      const event = this.ring[(this.next + i) % this.capacity]
      if (event) out.push(event)
    }
    return out
  }
}

/**
 * Field by field in one order rather than `{ seq, at, ...event, deviceName }`: events come in a
 * dozen shapes, and V8 copies a spread of that many shapes (plus a property the source lacks) on
 * its slow path, several µs per event, three or four events per new connection. Fields that are
 * absent stay absent, so the event serialises as before.
 */
function logged(seq: number, at: number, event: NewEvent, deviceName: string | undefined): RelayEvent {
  const full: RelayEvent = { seq, at, kind: event.kind }
  if (event.peerId !== undefined) full.peerId = event.peerId
  if (event.otherPeerId !== undefined) full.otherPeerId = event.otherPeerId
  if (event.documentIds !== undefined) full.documentIds = event.documentIds
  if (event.address !== undefined) full.address = event.address
  if (event.code !== undefined) full.code = event.code
  if (event.status !== undefined) full.status = event.status
  if (event.reason !== undefined) full.reason = event.reason
  if (event.refusal !== undefined) full.refusal = event.refusal
  if (deviceName !== undefined) full.deviceName = deviceName
  return full
}

/** Every field of NewEvent must be copied by `logged`: adding one to RelayEvent fails here until it is. */
type CopiedField = 'kind' | 'peerId' | 'otherPeerId' | 'documentIds' | 'address' | 'code' | 'status' | 'reason' | 'refusal'
const allFieldsCopied: Exclude<keyof NewEvent, CopiedField> extends never ? true : never = true
void allFieldsCopied
