/**
 * `GET /.well-known/lf-relay` on the relay's port: browsers cannot browse mDNS, but a web app that
 * knows one address of a relay (`http://studio.local:8080`) learns from it the relay's ws URL, id
 * and version, and every other relay it sees, in choice order. Public and read-only, so any origin
 * may read it (CORS), including pages on the internet asking a private address (Private Network Access).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { DISCOVERY_PATH, type DiscoveryDocument } from '../../shared/discovery.js'
import type { RelayExtension } from '../relay/relay-server.js'

const CORS_HEADERS = { 'Access-Control-Allow-Origin': '*' }

/** Serves the document `build` makes for the host name the request was sent to. */
export function discoveryEndpoint(build: (requestHost: string | undefined) => DiscoveryDocument): RelayExtension {
  return {
    handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
      const path = (req.url ?? '').split('?')[0]!.replace(/\/$/, '').toLowerCase()
      if (path !== DISCOVERY_PATH) return false
      if (req.method === 'OPTIONS') {
        res
          .writeHead(204, {
            ...CORS_HEADERS,
            'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
            'Access-Control-Allow-Headers': '*',
            'Access-Control-Allow-Private-Network': 'true',
            'Access-Control-Max-Age': '600',
          })
          .end()
      } else if (req.method === 'GET' || req.method === 'HEAD') {
        const host = req.headers.host
        const body = JSON.stringify(build(host && /^[\w.\-:[\]]+$/.test(host) ? host : undefined))
        res
          .writeHead(200, { ...CORS_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' })
          .end(req.method === 'HEAD' ? undefined : body)
      } else {
        res.writeHead(405, { ...CORS_HEADERS, Allow: 'GET, HEAD, OPTIONS', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n')
      }
      return true
    },
  }
}
