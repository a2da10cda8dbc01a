import type { RelayEvent } from '../../shared/relay-model.js'
import { formatEvent, isNotable } from '../relay/event-format.js'

/** Event lines per second before the rest are only counted, so a flood of refusals can neither stall the relay nor fill a disk. */
export const EVENT_LINES_PER_SECOND = 50

export interface EventLoggerOptions {
  /** Every event; otherwise only notable ones (refusals, collisions). */
  verbose: boolean
  /** One formatted event (formatEvent: it carries its own timestamp). */
  line(text: string): void
  /** How many events the last second left out. */
  skipped(count: number): void
}

/** A relay `event` listener that writes one line per event, at most EVENT_LINES_PER_SECOND a second. */
export function eventLogger({ verbose, line, skipped }: EventLoggerOptions): (event: RelayEvent) => void {
  let windowStart = Date.now()
  let written = 0
  let left = 0
  return event => {
    if (!verbose && !isNotable(event)) return
    const now = Date.now()
    if (now - windowStart >= 1000) {
      if (left > 0) skipped(left)
      windowStart = now
      written = 0
      left = 0
    }
    if (written++ < EVENT_LINES_PER_SECOND) line(formatEvent(event))
    else left++
  }
}
