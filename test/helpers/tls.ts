/** TLS clients for tests: fetch over http or https (verifying against a given CA), and TLS handshakes. */
import { once } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { CA_CERT_PATH } from '../../shared/relay-model.js'

export interface BytesReply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** One request; `https:` URLs are verified against `ca` (never with verification off). */
export function fetchBytes(
  url: string,
  options: { ca?: string; servername?: string; headers?: http.OutgoingHttpHeaders; method?: string; body?: string } = {},
): Promise<BytesReply> {
  const secure = url.startsWith('https:')
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false, ...(secure ? { ca: options.ca, servername: options.servername } : {}) },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(options.body)
  })
}

/** The relay's CA as a device on the LAN downloads it, in PEM for Node's `ca` option. */
export async function downloadCaPem(port: number): Promise<string> {
  const reply = await fetchBytes(`http://127.0.0.1:${port}${CA_CERT_PATH}`)
  if (reply.status !== 200) throw new Error(`the CA download answered ${reply.status}`)
  return new X509Certificate(reply.body).toString()
}

/** A TLS client that records what it was shown and whether it trusted it; verification stays its own decision. */
export async function handshake(port: number, options: tls.ConnectionOptions = {}): Promise<{ authorized: boolean; error?: string; certificate: tls.DetailedPeerCertificate }> {
  // rejectUnauthorized: false only to read the certificate of an untrusted server; `authorized` reports the verdict.
  const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...options })
  await once(socket, 'secureConnect')
  const result = { authorized: socket.authorized, error: socket.authorizationError?.toString(), certificate: socket.getPeerCertificate(true) }
  socket.destroy()
  return result
}

/** The certificate's DNS names and IP addresses. */
export const altNames = (certificate: tls.PeerCertificate) =>
  (certificate.subjectaltname ?? '').split(', ').map(entry => entry.replace(/^(DNS|IP Address):/, ''))
