/**
 * An mDNS socket with no network behind it: the test plays the LAN, handing the browser the packets
 * relays would send, and answering queries for the relays it says are alive. For logic tests on
 * loopback; everything that really multicasts runs in namespaces.
 */
import { EventEmitter } from 'node:events'
import type { MdnsRecord, MdnsSocket, RecordType, RelayTxt } from '@switchboard/lan-mdns'
import { goodbyeRecords, instanceFqdn, serviceRecords } from '../../../src-main/discovery/service-records.js'

export interface ScriptedRelay {
  name: string
  hostName: string
  port: number
  txt: RelayTxt
  addresses: string[]
}

export const recordsOf = (relay: ScriptedRelay): MdnsRecord[] =>
  serviceRecords({ instanceName: relay.name, hostName: relay.hostName, port: relay.port, txt: relay.txt }, relay.addresses)

export class ScriptedMdns extends EventEmitter implements MdnsSocket {
  readonly questions: { name: string; type: RecordType }[] = []
  /** Relays that answer queries about themselves. */
  private readonly alive = new Map<string, ScriptedRelay>()

  query(questions: { name: string; type: RecordType }[], callback?: (error?: Error | null) => void): void {
    this.questions.push(...questions)
    callback?.()
    for (const question of questions) {
      for (const relay of this.alive.values()) {
        if (question.name.toLowerCase() === instanceFqdn(relay.name).toLowerCase()) setImmediate(() => this.deliver(recordsOf(relay)))
      }
    }
  }

  respond(_packet: { answers: MdnsRecord[] }, callback?: (error?: Error | null) => void): void {
    callback?.()
  }

  /** The relay announces itself and answers from now on. */
  announce(relay: ScriptedRelay): void {
    this.alive.set(relay.name, relay)
    this.deliver(recordsOf(relay))
  }

  /** The relay says goodbye, as on a clean shutdown. */
  goodbye(relay: ScriptedRelay): void {
    this.alive.delete(relay.name)
    this.deliver(goodbyeRecords(recordsOf(relay)))
  }

  /** The relay vanishes without a word: it no longer answers. */
  silence(relay: ScriptedRelay): void {
    this.alive.delete(relay.name)
  }

  deliver(answers: MdnsRecord[]): void {
    this.emit('response', { type: 'response', questions: [], answers, additionals: [] }, { address: '10.0.0.1', port: 5353 })
  }
}
