/**
 * A TypeScript app's use of @switchboard/lan-client, type-checked by the package test against the
 * .d.ts files installed from the tarballs (never run): the types an app sees name the relay, the
 * choice rule and the published Client's pipes; the browser helper's say why a relay was not found.
 */
import { Client, chooseRelay, watchRelays, type DiscoveredRelay, type PipeSocket } from '@switchboard/lan-client'
import { RelayNotFoundError, findRelay, type CandidateFailureReason } from '@switchboard/lan-client/browser'

const client = new Client({ documentIds: ['doc'], token: 'lan-token' })
client.on('relay-change', (relay: DiscoveredRelay) => console.log(relay.url, relay.priority, chooseRelay([relay])?.id))
client.on('peer-connect', ({ peerId, socket }: { peerId: string; socket: PipeSocket }) => socket.send(`hello ${peerId}`))
const watcher = await watchRelays({ interface: '192.168.1.5' })
watcher.on('change', relays => console.log(relays.map(relay => relay.name)))
findRelay({ url: 'wss://studio.local:8080', timeout: 3000, port: 8080 }).then(
  (url: string) => new Client({ url, documentIds: ['doc'] }),
  (error: unknown) => {
    if (error instanceof RelayNotFoundError) console.log(error.failures.map(({ url, reason }: { url: string; reason: CandidateFailureReason }) => `${url}: ${reason}`))
  },
)
