import type { RelayEvent } from '../../shared/relay-model.js'

/** The most recent events, in a fixed-size ring so a busy relay never grows it. */
export class EventLog {
  private readonly ring: (RelayEvent | undefined)[]
  private next = 0
  private seq = 0

  constructor(readonly capacity: number) {
    this.ring = new Array(capacity)
  }

  add(event: Omit<RelayEvent, 'seq' | 'at'>, at = Date.now()): RelayEvent {
    const full = { seq: ++this.seq, at, ...event } as RelayEvent
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
