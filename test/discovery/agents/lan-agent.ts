/**
 * A LAN app on one test host (run inside a network namespace): it drives the client library on
 * commands read from stdin and reports what happens on stdout, one JSON object per line, each
 * with `at` (epoch ms; every namespace shares the machine's clock, so tests can subtract them).
 *
 *   {"do":"watch"}                                      → {"ev":"relays","relays":[...]} on each change
 *   {"do":"discover","timeout":ms}                      → {"ev":"discovered","relays":[...],"ms":n}
 *   {"do":"client","name":"c1","peerId":"p1","documentIds":["doc"]}
 *        → relay-change, server-connect, server-disconnect, peer-connect, message, peer-disconnect, conflict
 *   {"do":"send","client":"c1","peerId":"p2","documentId":"doc","text":"hi"}   (or "base64")
 *   {"do":"fetch","url":"...","method":"GET","headers":{...}} → {"ev":"fetched","status","headers","body"}
 *   {"do":"tls-check","address":"10.0.0.1","port":8080}
 *        → {"ev":"tls-checked","authorized","error","names"}: the relay's certificate verified for that
 *          address against the CA the relay serves
 */
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import tls from 'node:tls'
import { Client, discoverRelays, watchRelays, type DiscoveredRelay, type PipeSocket } from '@switchboard/lan-client'

type Command =
  | { do: 'watch' }
  | { do: 'discover'; timeout: number }
  | { do: 'client'; name: string; peerId: string; documentIds: string[] }
  | { do: 'send'; client: string; peerId: string; documentId: string; text?: string; base64?: string }
  | { do: 'fetch'; url: string; method?: string; headers?: Record<string, string> }
  | { do: 'tls-check'; address: string; port: number }

const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)

const brief = (relay: DiscoveredRelay) => ({
  id: relay.id,
  name: relay.name,
  host: relay.host,
  port: relay.port,
  url: relay.url,
  urls: relay.urls,
  priority: relay.priority,
  startedAt: relay.startedAt,
})

const clients = new Map<string, Client>()

async function run(command: Command): Promise<void> {
  switch (command.do) {
    case 'watch': {
      const watcher = await watchRelays()
      report({ ev: 'relays', relays: watcher.relays.map(brief) })
      watcher.on('change', relays => report({ ev: 'relays', relays: relays.map(brief) }))
      return
    }
    case 'discover': {
      const started = Date.now()
      const relays = await discoverRelays({ timeout: command.timeout })
      report({ ev: 'discovered', relays: relays.map(brief), ms: Date.now() - started })
      return
    }
    case 'client': {
      const name = command.name
      const client = new Client({ peerId: command.peerId, documentIds: command.documentIds })
      clients.set(name, client)
      client.on('relay-change', relay => report({ ev: 'relay-change', client: name, relay: brief(relay) }))
      client.on('server-connect', () => report({ ev: 'server-connect', client: name, url: client.url }))
      client.on('server-disconnect', () => report({ ev: 'server-disconnect', client: name }))
      client.on('conflict', ({ id, relays }) => report({ ev: 'conflict', client: name, id, relays: relays.map(brief) }))
      client.on('peer-connect', ({ peerId, documentId, socket }) => {
        report({ ev: 'peer-connect', client: name, peerId, documentId })
        socket.addEventListener('message', (event: { data: unknown }) => report({ ev: 'message', client: name, peerId, documentId, ...describe(event.data) }))
      })
      client.on('peer-disconnect', ({ peerId, documentId }) => report({ ev: 'peer-disconnect', client: name, peerId, documentId }))
      return
    }
    case 'send': {
      const socket = clients.get(command.client)?.get(command.peerId, command.documentId) as PipeSocket | null | undefined
      if (!socket) throw new Error(`${command.client} has no pipe to ${command.peerId} on ${command.documentId}`)
      socket.send(command.text ?? Buffer.from(command.base64 ?? '', 'base64'))
      return
    }
    case 'fetch': {
      const response = await fetch(command.url, { method: command.method ?? 'GET', headers: command.headers })
      const body = await response.text()
      report({ ev: 'fetched', status: response.status, headers: Object.fromEntries(response.headers), body })
      return
    }
    case 'tls-check': {
      const { address, port } = command
      const ca = new X509Certificate(Buffer.from(await (await fetch(`http://${address}:${port}/_switchboard/ca.crt`)).arrayBuffer())).toString()
      // Verification stays on: `authorized` says whether the certificate is valid for this address.
      const socket = tls.connect({ host: address, port, ca, rejectUnauthorized: false })
      await once(socket, 'secureConnect')
      const names = socket.getPeerCertificate().subjectaltname
      const identityError = tls.checkServerIdentity(address, socket.getPeerCertificate())
      report({ ev: 'tls-checked', authorized: socket.authorized && !identityError, error: socket.authorizationError?.toString() ?? identityError?.message, names })
      socket.destroy()
      return
    }
  }
}

function describe(data: unknown): { text: string } | { base64: string } {
  if (typeof data === 'string') return { text: data }
  return { base64: Buffer.from(data as ArrayBuffer).toString('base64') }
}

createInterface({ input: process.stdin }).on('line', line => {
  run(JSON.parse(line) as Command).catch((error: Error) => report({ ev: 'failed', command: line, error: error.message }))
})
// The test closes stdin to end the agent; the published Client's timers would keep it alive.
process.stdin.on('end', () => process.exit(0))
report({ ev: 'ready' })
