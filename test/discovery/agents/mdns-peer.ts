/**
 * Another host's mDNS responder, built from Switchboard's own parts, for the conflict tests: it
 * probes a host name with the relay's prober (name-conflicts.ts), or claims one without probing, as
 * a host does whose network just merged with the relay's. Commands on stdin, one JSON per line:
 *   {"do":"probe","hostName","addresses","rounds"}   probe `rounds` times back to back; prints
 *                                                    {"ev":"probed","round","taken","deferred"} per round
 *   {"do":"announce","hostName","addresses","answer"} announces the A records once, and answers
 *                                                    queries for them from then on if `answer`
 * Prints {"ev":"ready"} once its socket is open.
 */
import { createInterface } from 'node:readline'
import { MdnsEndpoint, respond } from '@switchboard/lan-mdns'
import { probeNames } from '../../../src-main/discovery/name-conflicts.js'
import { addressRecords } from '../../../src-main/discovery/service-records.js'

const print = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)

const endpoint = await MdnsEndpoint.open({ interface: process.argv[2], onProblem: error => print({ ev: 'problem', message: error.message }) })
print({ ev: 'ready' })

interface Command {
  do: 'probe' | 'announce'
  hostName: string
  addresses: string[]
  rounds?: number
  answer?: boolean
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command
  const records = addressRecords(command.hostName, command.addresses)
  if (command.do === 'probe') {
    const own = { fqdn: `unused.${command.hostName}`, hostName: command.hostName, port: 0, id: '' }
    for (let round = 1; round <= (command.rounds ?? 1); round++) {
      // No address counts as this machine's: every answer from elsewhere is a conflict.
      const { taken, deferred } = await probeNames([{ socket: endpoint.socket, records }], own, ['host'], () => false)
      print({ ev: 'probed', round, taken: [...taken], deferred: [...deferred] })
    }
  } else {
    if (command.answer) endpoint.responder.register(records)
    await respond(endpoint.socket, records)
    print({ ev: 'announced' })
  }
}
await endpoint.close()
