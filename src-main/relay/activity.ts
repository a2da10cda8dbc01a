import { CLOSE, type CloseKind } from '../../shared/close-codes.js'
import type { RelayEvent, RelayTotals } from '../../shared/relay-model.js'
import { EventLog, type NewEvent } from './event-log.js'

/**
 * Counters and the recent-event log. Per-message counters live on the pipes themselves, so the hot
 * path never touches this object; everything here changes once per connection, Join or refusal.
 */
export class RelayActivity {
  readonly totals: Omit<RelayTotals, 'messagesRelayed' | 'bytesRelayed'> = {
    connectionsAccepted: 0,
    peersJoined: 0,
    introductions: 0,
    pipesOpened: 0,
    collisions: 0,
    refusals: 0,
    refusalsByKind: {},
    ignoredMessages: 0,
    deviceNamesIgnored: 0,
  }
  readonly log: EventLog

  constructor(
    eventLogSize: number,
    private readonly onEvent: (event: RelayEvent) => void,
    /** The name of the device an event is about, if known; read once, when the event happens. */
    private readonly deviceNameOf: (event: NewEvent) => string | undefined = () => undefined,
  ) {
    this.log = new EventLog(eventLogSize)
  }

  record(event: NewEvent): void {
    const deviceName = this.deviceNameOf(event)
    this.onEvent(this.log.add(event, deviceName))
  }

  /** A malformed control message the relay shrugged off; the socket stays open (MALFORMED_TOLERANCE). */
  ignored(fields: Pick<NewEvent, 'peerId' | 'address'> & { reason: string }): void {
    this.totals.ignoredMessages++
    this.record({ kind: 'ignored', ...fields })
  }

  /** A refused upgrade (HTTP status) or a socket the relay closed for cause (close code). */
  refusal(kind: CloseKind, fields: Omit<NewEvent, 'kind' | 'refusal' | 'code' | 'reason'> & { reason: string; http?: boolean }): void {
    this.totals.refusals++
    this.totals.refusalsByKind[kind] = (this.totals.refusalsByKind[kind] ?? 0) + 1
    const { http, ...rest } = fields
    this.record({
      kind: 'refusal',
      refusal: kind,
      code: CLOSE[kind].code,
      ...(http ? { status: CLOSE[kind].status } : {}),
      ...rest,
    })
  }
}
