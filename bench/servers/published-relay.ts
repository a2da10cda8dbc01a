/**
 * The published @localfirst/relay 4.2.2 server. Its listen() takes no host and reports no port,
 * so the express app's listen is wrapped to bind loopback on a kernel-chosen port and to keep the
 * http server it creates. Its close() leaves the port bound; the host process exiting frees it.
 */
import type { Server as HttpServer } from 'node:http'
import { Server } from '@localfirst/relay/Server.js'
import type { RelayHandle } from './handle.js'

export async function startPublishedRelay(): Promise<RelayHandle> {
  const server = new Server({ port: 0 })
  const app = (server as unknown as { app: { listen: (...args: unknown[]) => HttpServer } }).app
  const listen = app.listen.bind(app)
  let http: HttpServer | undefined
  app.listen = (_port: unknown, callback: unknown) => (http = listen(0, '127.0.0.1', callback))
  await server.listen({ silent: true })
  const address = http?.address()
  if (!address || typeof address === 'string') throw new Error('published relay did not report a port')
  return {
    url: `ws://127.0.0.1:${address.port}`,
    close: async () => server.close(),
  }
}
