/**
 * wss:// to a relay whose TXT record pins its CA (`tls=1`, `ca=` the first 16 hex digits of the CA's
 * SHA-256). The CA is fetched from the relay and trusted only when it matches the pin, and then it
 * is the only CA the connection trusts: the relay's own certificate authority, checked, never
 * verification turned off.
 *
 * The published Client opens its sockets with no TLS options, and Node reads extra CAs only at
 * start-up; so the Client talks to a loopback port of this process, and every connection to it is
 * carried to the relay over TLS verified against the pinned CA.
 */
import { X509Certificate, createHash } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import tls from 'node:tls'
import type { DiscoveredRelay } from '@switchboard/lan-mdns'

/** Where the relay serves its CA certificate (DER). */
export const CA_CERT_PATH = '/_switchboard/ca.crt'
const CA_FETCH_TIMEOUT_MS = 5_000
/** A CA certificate is a few hundred bytes; anything far larger is not one. */
const MAX_CA_BYTES = 64 * 1024
const CLOSE_GRACE_MS = 1_000

export class CaPinMismatch extends Error {
  constructor(relay: Pick<DiscoveredRelay, 'name' | 'tlsCa'>, fingerprint: string) {
    super(`${relay.name} serves a CA whose SHA-256 starts ${fingerprint.slice(0, 16)}, not ${relay.tlsCa} as its TXT record says: not connecting`)
  }
}

/**
 * The relay's CA in PEM, once its SHA-256 is checked against the pin, and the address that served
 * it (the one worth dialling); rejects on a mismatch (CaPinMismatch).
 */
export async function fetchPinnedCa(relay: Pick<DiscoveredRelay, 'name' | 'tlsCa' | 'addresses' | 'port'>): Promise<{ ca: string; address: string }> {
  if (!relay.tlsCa) throw new Error(`${relay.name} publishes no CA pin`)
  let lastError: unknown
  for (const address of relay.addresses) {
    let der: Buffer
    try {
      der = await fetchDer(address, relay.port)
    } catch (error) {
      lastError = error
      continue
    }
    const fingerprint = createHash('sha256').update(der).digest('hex')
    if (!fingerprint.startsWith(relay.tlsCa)) throw new CaPinMismatch(relay, fingerprint)
    return { ca: new X509Certificate(der).toString(), address }
  }
  throw new Error(`could not fetch the CA of ${relay.name}: ${(lastError as Error | undefined)?.message ?? 'no address'}`)
}

function fetchDer(address: string, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: address, port, path: CA_CERT_PATH, timeout: CA_FETCH_TIMEOUT_MS, agent: false }, response => {
      if (response.statusCode !== 200) {
        response.resume()
        return reject(new Error(`HTTP ${response.statusCode} for ${CA_CERT_PATH}`))
      }
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_CA_BYTES) request.destroy(new Error('the CA download is too large'))
        else chunks.push(chunk)
      })
      response.on('end', () => resolve(Buffer.concat(chunks)))
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(new Error(`no answer from ${address}:${port} within ${CA_FETCH_TIMEOUT_MS} ms`)))
    request.on('error', reject)
  })
}

export interface TlsTarget {
  /** Address to connect to. */
  address: string
  port: number
  /** The name the relay's certificate must carry (its `.local` host name). */
  servername: string
  /** PEM of the only CA trusted. */
  ca: string
}

/** A loopback port whose connections are carried to the relay over verified TLS. */
export class PinnedTlsTunnel {
  private readonly server: net.Server
  private readonly sockets = new Set<net.Socket>()

  private constructor(private readonly target: TlsTarget) {
    this.server = net.createServer(local => this.carry(local))
  }

  static async open(target: TlsTarget): Promise<PinnedTlsTunnel> {
    const tunnel = new PinnedTlsTunnel(target)
    await new Promise<void>((resolve, reject) => {
      tunnel.server.once('error', reject)
      tunnel.server.listen(0, '127.0.0.1', () => resolve())
    })
    return tunnel
  }

  /** The base URL to give the published Client. */
  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`
  }

  /** Takes no new connections; open ones get a moment to pass on their last frames (close frames). */
  close(): void {
    this.server.close()
    setTimeout(() => {
      for (const socket of this.sockets) socket.destroy()
    }, CLOSE_GRACE_MS).unref()
  }

  private carry(local: net.Socket): void {
    const { address, port, servername, ca } = this.target
    // `ca` replaces the system's authorities: only the pinned CA can vouch for the relay, for its
    // host name or for the address dialled (a renamed relay's old name may still be announced).
    const remote = tls.connect({
      host: address,
      port,
      servername,
      ca,
      checkServerIdentity: (host, certificate) => tls.checkServerIdentity(host, certificate) && tls.checkServerIdentity(address, certificate),
    })
    for (const socket of [local, remote]) {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    }
    // A failed verification ends both: the published Client sees its socket close, as when a relay is unreachable.
    const end = () => {
      local.destroy()
      remote.destroy()
    }
    local.on('error', end)
    remote.on('error', end)
    local.on('close', end)
    remote.on('close', end)
    local.pipe(remote)
    remote.pipe(local)
  }
}
