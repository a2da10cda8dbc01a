/**
 * Published Clients, half on ws:// and half on wss:// to one relay port, all on one document: every
 * pair gets a pipe (so most pipes have one TLS side and one plain side) and each side sends its
 * messages at once. Runs in a child process because the published Client gives Node no TLS options:
 * the relay's CA reaches it through NODE_EXTRA_CA_CERTS, as it would reach an app.
 * Usage: mixed-clients.ts <port> <clients> <messages per pipe>; prints one JSON line with the outcome.
 */
import { CompatRig, until, type TrackedClient } from '../../helpers/clients.js'

const [port, clientCount, perPipe] = process.argv.slice(2).map(Number) as [number, number, number]
const rig = new CompatRig()
const urls = [`ws://127.0.0.1:${port}`, `wss://localhost:${port}`]
const message = (from: string, to: string, i: number) => `${from}>${to}#${i}:${'x'.repeat(1000)}`

const clients: TrackedClient[] = Array.from({ length: clientCount }, (_, i) =>
  rig.client(urls[i % 2]!, `peer-${i}`, ['mixed-doc'], {
    onPeerConnect: ({ peerId, socket }, self) => {
      for (let n = 0; n < perPipe; n++) socket.send(message(self.peerId, peerId, n))
    },
  }),
)

const problems: string[] = []
try {
  await until(
    () => clients.every(client => client.pipes.length >= clientCount - 1 && client.pipes.every(pipe => pipe.messages.length >= perPipe)),
    60_000,
    () => clients.map(client => `${client.peerId}: ${client.pipes.length} pipes, ${client.pipes.map(pipe => pipe.messages.length).join('/')}`).join('; '),
  )
  for (const client of clients) {
    for (const pipe of client.pipes) {
      const expected = Array.from({ length: perPipe }, (_, n) => message(pipe.peerId, client.peerId, n))
      if (JSON.stringify(pipe.messages) !== JSON.stringify(expected)) problems.push(`${client.peerId} from ${pipe.peerId}: out of order or changed`)
    }
    if (client.errors.length > 0) problems.push(`${client.peerId}: ${client.errors.length} errors`)
    if (client.serverConnects !== 1) problems.push(`${client.peerId}: ${client.serverConnects} server connects`)
  }
} catch (error) {
  problems.push((error as Error).message)
}
const pipes = clients.reduce((sum, client) => sum + client.pipes.length, 0) / 2
process.stdout.write(`${JSON.stringify({ problems, pipes, messages: pipes * 2 * perPipe })}\n`)
await rig.cleanup()
process.exit(0)
