/**
 * A LAN app as its developer writes it: plain JavaScript, run with plain `node`, using
 * @switchboard/lan-client as installed from its tarball. The test copies it into an app folder
 * of its own. `node app.mjs <peerId>`: one client with no url on document "doc"; it greets every
 * peer it gets a pipe to and reports what happens, one JSON object per line.
 */
import { Client } from '@switchboard/lan-client'

const report = event => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)
const peerId = process.argv[2]

const client = new Client({ peerId, documentIds: ['doc'] })
client.on('relay-change', relay => report({ ev: 'relay-change', id: relay.id, url: relay.url }))
client.on('server-connect', () => report({ ev: 'server-connect', url: client.url }))
client.on('peer-connect', ({ peerId: other, documentId, socket }) => {
  report({ ev: 'peer-connect', peerId: other, documentId })
  socket.addEventListener('message', event => report({ ev: 'message', peerId: other, text: String(event.data) }))
  socket.send(`hello from ${peerId}`)
})

// The test ends the app by closing stdin; the client's timers would keep it alive.
process.stdin.on('end', () => process.exit(0)).resume()
report({ ev: 'ready', execArgv: process.execArgv, loaded: import.meta.resolve('@switchboard/lan-client') })
