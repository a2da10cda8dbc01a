/**
 * Everything a browser test of lan-client's `findRelay` needs around the browser: the headless relay
 * (its own config folder), the web app, a port that accepts connections and never answers, and the
 * checks every engine must pass. Names reach loopback through each engine's own host mapping.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { expect } from 'vitest'
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
