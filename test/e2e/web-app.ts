/**
 * A web app's own origin, for tests of lan-client's browser helper: an empty page, the helper as a
 * page loads it, and the published Client bundled for browsers. Served over https with a
 * certificate the test's browser trusts, or over plain http.
 */
import { build, transform } from 'esbuild'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { CandidateFailure, FindRelayOptions } from '../../lan-client/src/browser.js'
import { REPO_ROOT } from '../helpers/processes.js'

/** lan-client's `findRelay`, compiled file by file: with no bundler in between, an import of anything would fail to load. */
export const HELPER_PATH = '/lan-client/browser.js'
/** The published `@localfirst/relay` Client, bundled for browsers as an app's build would. */
export const CLIENT_PATH = '/relay-client.js'
const PAGE = '<!doctype html><meta charset="utf-8"><title>web app</title><script type="module" src="/app.js"></script>\n'

/** What web-app-page.js puts on `window.webApp` once the page has loaded its modules. */
export interface WebAppApi {
  find(options: FindRelayOptions): Promise<FindOutcome>
  /** Joins `documentId` with the published Client; resolves with the partner's peer id when a pipe opens. */
  join(url: string, peerId: string, documentId: string): Promise<string>
  send(message: string | number[]): void
  /** Resolves once `count` messages came through the pipe: text as it came, binary as `binary 1,2,3`. */
  receive(count: number): Promise<string[]>
  /** The Client's `error` events. */
  errors: string[]
  tryWebSocket(url: string): Promise<string>
}

/** Runs `fn` in the app's page: the one thing the tests need from playwright's and puppeteer's pages alike. */
export type InPage = <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => Promise<R>

export type FindOutcome = { url: string } | { error: string; message: string; failures: CandidateFailure[] }

let scripts: Promise<Map<string, string>> | undefined

async function buildScripts(): Promise<Map<string, string>> {
  const helperSource = readFileSync(path.join(REPO_ROOT, 'lan-client/src/browser.ts'), 'utf8')
  const helper = await transform(helperSource, { loader: 'ts', format: 'esm', target: 'es2022' })
  const client = await build({
    stdin: { contents: "export { Client } from '@localfirst/relay/Client.js'", resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  })
  return new Map([
    ['/app.js', readFileSync(path.join(REPO_ROOT, 'test/e2e/web-app-page.js'), 'utf8')],
    [HELPER_PATH, helper.code],
    [CLIENT_PATH, client.outputFiles[0]!.text],
  ])
}

export interface WebApp {
  port: number
  /** `https://<host>:<port>` (or `http://`). */
  origin(host: string): string
  close(): Promise<void>
}

/** Serves the app on loopback, over https when given a key and certificate (PEM). */
export async function serveWebApp(tls?: { key: string; cert: string }): Promise<WebApp> {
  scripts ??= buildScripts()
  const files = await scripts
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = (req.url ?? '/').split('?')[0]!
    const script = files.get(url)
    if (script !== undefined) res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' }).end(script)
    else if (url === '/') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE)
    else res.writeHead(404).end()
  }
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handle) : http.createServer(handle)
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const scheme = tls ? 'https' : 'http'
  return {
    port,
    origin: host => `${scheme}://${host}:${port}`,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
