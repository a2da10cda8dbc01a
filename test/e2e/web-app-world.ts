/**
 * Everything a browser test of lan-client's `findRelay` needs around the browser: the headless relay
 * (its own config folder), the web app, a port that accepts connections and never answers, and a
 * Node peer with the published Client. Names reach loopback through each engine's own host mapping.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { TrackedClient, until } from '../helpers/clients.js'
import { freePort, killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { serveWebApp, type WebApp } from './web-app.js'

/** The name the web app is served under; the test's browsers map it to loopback. */
export const APP_HOST = 'app.test'
/** A name no resolver knows. */
export const UNKNOWN_HOST = 'nowhere.test'

export interface WebAppWorld {
  scratch: string
  relay: CliRelay
  /** The web app over plain http. */
  httpApp: WebApp
  /** Accepts TCP connections and never says a word. */
  silentPort: number
  /** Nothing listens here. */
  closedPort: number
  close(): Promise<void>
}

export async function openWebAppWorld(): Promise<WebAppWorld> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'switchboard-web-app-'))
  const relay = await startCliRelay(['--no-advertise'], { XDG_CONFIG_HOME: path.join(scratch, 'relay-config') })
  const httpApp = await serveWebApp()
  const silentSockets = new Set<net.Socket>()
  const silent = net.createServer(socket => {
    silentSockets.add(socket)
    socket.on('close', () => silentSockets.delete(socket))
  })
  await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
  const silentPort = (silent.address() as net.AddressInfo).port
  const closedPort = await freePort()
  return {
    scratch,
    relay,
    httpApp,
    silentPort,
    closedPort,
    async close() {
      for (const socket of silentSockets) socket.destroy()
      await Promise.all([httpApp.close(), new Promise(resolve => silent.close(resolve))])
      await killLeftoverCliProcesses()
      rmSync(scratch, { recursive: true, force: true })
    },
  }
}

/**
 * A Node peer with the published Client on the relay's plain port, in `documentId`, and a way to
 * wait for the pipe a page's Client opens to it.
 */
export function nodePeer(relay: CliRelay, peerId: string, documentId: string) {
  const tracked = new TrackedClient({ url: relay.url, peerId, documentIds: [documentId] })
  return {
    tracked,
    async pipeTo(partner: string) {
      await until(() => tracked.pipe(partner, documentId)?.socket.readyState === 1, 10_000, () => `a pipe from ${partner} on ${documentId}`)
      return tracked.pipe(partner, documentId)!
    },
    close: () => tracked.client.disconnectServer(),
  }
}
