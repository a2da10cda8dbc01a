/**
 * Everything a browser test of lan-client's `findRelay` needs around the browser: the headless relay
 * (its own config folder, so its certificate authority is made fresh), the same web app served from
 * an https origin and a plain http one, a port that accepts connections and never answers, and the
 * checks every engine must pass. Names reach loopback through each engine's own host mapping.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { LocalCa } from '../../src-main/tls/local-ca.js'
import { TrackedClient, until } from '../helpers/clients.js'
import { freePort, killLeftoverCliProcesses, startCliRelay, type CliRelay } from '../helpers/processes.js'
import { serveWebApp, type FindOutcome, type InPage, type WebApp, type WebAppApi } from './web-app.js'

declare const webApp: WebAppApi

/** The name the web app is served under; the test's browsers map it to loopback. */
export const APP_HOST = 'app.test'
/** A name no resolver knows. */
export const UNKNOWN_HOST = 'nowhere.test'

export interface WebAppWorld {
  scratch: string
  relay: CliRelay
  /** The web app over https, with a certificate from a CA made for the test (`appCaPem`). */
  httpsApp: WebApp
  appCaPem: string
  /** The same app over plain http. */
  httpApp: WebApp
  /** The relay's own CA, as devices download it: `GET /_switchboard/ca.crt` (DER). */
  relayCaDer: Buffer
  /** Accepts TCP connections and never says a word. */
  silentPort: number
  /** Nothing listens here. */
  closedPort: number
  close(): Promise<void>
}

/** The world for the test file that calls this: made before its tests, closed after them. */
export function webAppWorld(): WebAppWorld {
  const world = {} as WebAppWorld
  beforeAll(async () => {
    Object.assign(world, await openWebAppWorld())
  }, 30_000)
  afterAll(async () => {
    await world.close?.()
  }, 30_000)
  return world
}

async function openWebAppWorld(): Promise<WebAppWorld> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'switchboard-web-app-'))
  const relay = await startCliRelay(['--no-advertise'], { XDG_CONFIG_HOME: path.join(scratch, 'relay-config') })
  const response = await fetch(`http://127.0.0.1:${relay.port}/_switchboard/ca.crt`)
  if (response.status !== 200) throw new Error(`the relay's CA download answered ${response.status}`)
  const relayCaDer = Buffer.from(await response.arrayBuffer())
  // The app's own CA: a second one, so that trusting the relay's is all that changes between browsers.
  const appCa = await LocalCa.open(path.join(scratch, 'app-ca'))
  const appCertificate = await appCa.issue({ dnsNames: [APP_HOST], ips: [] }, 24 * 60 * 60 * 1000)
  const httpsApp = await serveWebApp({ key: appCertificate.keyPem, cert: appCertificate.certPem })
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
    httpsApp,
    appCaPem: appCa.pem,
    httpApp,
    relayCaDer,
    silentPort,
    closedPort,
    async close() {
      for (const socket of silentSockets) socket.destroy()
      await Promise.all([httpsApp.close(), httpApp.close(), new Promise(resolve => silent.close(resolve))])
      await killLeftoverCliProcesses()
      rmSync(scratch, { recursive: true, force: true })
    },
  }
}

/** The two CAs as a browser's NSS database takes them. */
export function certificateAuthorities(world: WebAppWorld) {
  return { app: { name: 'web-app-test-ca', certificate: world.appCaPem }, relay: { name: 'switchboard-relay-ca', certificate: world.relayCaDer } }
}

/** A page of either driver, playwright-core's (Chromium) or puppeteer-core's (Firefox). */
interface DriverPage {
  goto(url: string): Promise<unknown>
  waitForFunction(fn: () => boolean): Promise<unknown>
  evaluate(fn: never, arg: never): Promise<unknown>
}

/** Loads the web app from `origin` and waits for its modules; returns what runs code in it. */
export async function openApp(page: DriverPage, origin: string): Promise<InPage> {
  await page.goto(`${origin}/`)
  await page.waitForFunction(() => 'webApp' in window)
  return (fn, arg) => page.evaluate(fn as never, arg as never) as never
}

/** The candidates `findRelay` gave up on and why, or a failure saying what it found instead. */
export function failuresOf(outcome: FindOutcome): { url: string; reason: string }[] {
  if (!('failures' in outcome)) throw new Error(`expected no relay, found ${outcome.url}`)
  return outcome.failures.map(({ url, reason }) => ({ url, reason }))
}

/**
 * The page (as `browser-peer`) joins `documentId` through `url` with the published Client, a Node
 * peer joins it on the relay's plain port, and messages go both ways through their pipe: text and binary.
 */
export async function expectPipeWithNodePeer(inPage: InPage, relay: CliRelay, url: string, documentId: string): Promise<void> {
  const node = new TrackedClient({ url: relay.url, peerId: 'node-peer', documentIds: [documentId] })
  try {
    expect(await inPage(args => webApp.join(args.url, 'browser-peer', args.documentId), { url, documentId })).toBe('node-peer')
    await until(() => node.pipe('browser-peer', documentId)?.socket.readyState === 1, 10_000, () => `a pipe from browser-peer on ${documentId}`)
    const pipe = node.pipe('browser-peer', documentId)!
    pipe.socket.send('hello from node')
    pipe.socket.send(new Uint8Array([1, 2, 3]))
    await inPage(() => webApp.send('hello from the browser'), undefined)
    await inPage(() => webApp.send([4, 5, 6]), undefined)
    expect(await inPage(() => webApp.receive(2), undefined)).toEqual(['hello from node', 'binary 1,2,3'])
    await until(() => pipe.messages.length >= 2, 10_000, () => `two messages from the browser, have ${pipe.messages.length}`)
    expect(pipe.messages).toEqual(['hello from the browser', Buffer.from([4, 5, 6])])
    expect(await inPage(() => webApp.errors, undefined)).toEqual([])
  } finally {
    node.client.disconnectServer()
  }
}
