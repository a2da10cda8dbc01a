/**
 * The relay's presence on one interface's network: an mDNS socket that sends on that interface,
 * the responder answering queries there, and the announcements and goodbyes of the records that
 * carry that interface's addresses (a client can dial an address only on the network it heard it).
 */
import { setTimeout as delay } from 'node:timers/promises'
import { MdnsEndpoint, respond, sameName, type MdnsRecord, type MdnsSocket } from '@switchboard/lan-mdns'
import type { ChosenInterface } from './interfaces.js'
import { goodbyeRecords, retiredRecords } from './service-records.js'

/** RFC 6762 §8.3: at least two announcements a second apart; a third catches a lost packet. */
const REANNOUNCE_AFTER_MS = [1_000, 3_000]
/** A goodbye that cannot leave in this time (interface gone) is given up, so shutdown stays quick. */
const GOODBYE_TIMEOUT_MS = 1_000

export class Link {
  private announced: MdnsRecord[] = []
  private timers: NodeJS.Timeout[] = []

  private constructor(
    public iface: ChosenInterface,
    private readonly endpoint: MdnsEndpoint,
  ) {}

  static async open(iface: ChosenInterface, onProblem: (error: Error) => void): Promise<Link> {
    const endpoint = await MdnsEndpoint.open({ interface: iface.ipv4, onProblem })
    return new Link(iface, endpoint)
  }

  get socket(): MdnsSocket {
    return this.endpoint.socket
  }

  /** What this link announces now. */
  get records(): readonly MdnsRecord[] {
    return this.announced
  }

  /**
   * Announces `records` now and twice more, and says goodbye in the same packet to what it
   * announced before and no longer does (an old address, an old name). Resolves with the error of
   * the first send, if it failed: then nothing counts as announced, and the next try starts over.
   */
  async announce(records: MdnsRecord[]): Promise<Error | undefined> {
    const retired = retiredRecords(this.announced, records)
    this.cancelAnnouncements()
    this.endpoint.responder.unregister(this.announced)
    this.endpoint.responder.register(records)
    this.announced = records
    const error = await respond(this.socket, [...goodbyeRecords(retired), ...records])
    if (error) {
      this.endpoint.responder.unregister(records)
      this.announced = []
      return error
    }
    // What is announced by then: a name given up or silenced meanwhile must not go out again.
    for (const after of REANNOUNCE_AFTER_MS) this.timers.push(setTimeout(() => this.announced.length > 0 && void respond(this.socket, this.announced), after).unref())
    return undefined
  }

  /**
   * Stops answering for `names` at once, without a goodbye (RFC 6762 §9: a name in conflict goes
   * back to probing; a goodbye would also drop the other host's identical-looking cache entries).
   * The next `announce` sends them again in full.
   */
  silence(names: readonly string[]): void {
    const silenced = this.announced.filter(record => names.some(name => sameName(record.name, name)))
    this.endpoint.responder.unregister(silenced)
    this.announced = this.announced.filter(record => !silenced.includes(record))
  }

  /** Stops answering for `name` and says goodbye for it: another host is to take it over. */
  async withdrawName(name: string): Promise<void> {
    const records = this.announced.filter(record => sameName(record.name, name))
    if (records.length === 0) return
    this.silence([name])
    await Promise.race([respond(this.socket, goodbyeRecords(records)), delay(GOODBYE_TIMEOUT_MS)])
  }

  /** Sends goodbyes for everything announced and stops answering for it. */
  async withdraw(): Promise<void> {
    this.cancelAnnouncements()
    if (this.announced.length === 0) return
    const records = this.announced
    this.endpoint.responder.unregister(records)
    this.announced = []
    await Promise.race([respond(this.socket, goodbyeRecords(records)), delay(GOODBYE_TIMEOUT_MS)])
  }

  async close({ goodbye }: { goodbye: boolean }): Promise<void> {
    if (goodbye) await this.withdraw()
    this.cancelAnnouncements()
    await this.endpoint.close()
  }

  private cancelAnnouncements(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer)
  }
}
