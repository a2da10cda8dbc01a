/**
 * A TypeScript app's use of @switchboard/lan-client, type-checked by the package test against the
 * .d.ts files installed from the tarballs (never run): the types an app sees name the relay, the
 * choice rule and the published Client's pipes.
 */
import { Client, chooseRelay, watchRelays, type DiscoveredRelay, type PipeSocket } from '@switchboard/lan-client'

const client = new Client({ documentIds: ['doc'], token: 'lan-token' })
client.on('relay-change', (relay: DiscoveredRelay) => console.log(relay.url, relay.priority, chooseRelay([relay])?.id))
client.on('peer-connect', ({ peerId, socket }: { peerId: string; socket: PipeSocket }) => socket.send(`hello ${peerId}`))
const watcher = await watchRelays({ interface: '192.168.1.5' })
watcher.on('change', relays => console.log(relays.map(relay => relay.name)))
