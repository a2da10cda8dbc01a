/**
 * One mDNS endpoint (UDP 5353, IPv4) opened through bonjour-service: its multicast-dns socket to
 * send queries and read responses, and its responder, which answers other hosts' queries from the
 * records registered with it. bonjour-service keeps both behind private fields and types the socket
 * as `any`; this file is the one place that reaches in (the version is pinned), with the types below.
 */
import type { Bonjour } from 'bonjour-service'

export type RecordType = 'PTR' | 'SRV' | 'TXT' | 'A' | 'AAAA' | 'ANY'

/** A resource record as multicast-dns (dns-packet) encodes and decodes it. */
export interface MdnsRecord {
  name: string
  type: string
  ttl?: number
  /** The cache-flush bit: this record set replaces what caches hold for the name and type. */
  flush?: boolean
  data: unknown
}

export interface MdnsPacket {
  type: 'query' | 'response'
  questions: { name: string; type: string }[]
  answers: MdnsRecord[]
  /** In a probe (RFC 6762 §8.2): the records the prober proposes for the names it asks about. */
  authorities: MdnsRecord[]
  additionals: MdnsRecord[]
}

/** A query to send; a probe carries the records it proposes in `authorities`. */
export interface MdnsQuery {
  questions: { name: string; type: RecordType }[]
  authorities?: MdnsRecord[]
}

export interface RemoteInfo {
  address: string
  port: number
}

type SendCallback = (error?: Error | null) => void

/** The part of a multicast-dns instance we use. */
export interface MdnsSocket {
  query(query: { name: string; type: RecordType }[] | MdnsQuery, callback?: SendCallback): void
  respond(packet: { answers: MdnsRecord[]; additionals?: MdnsRecord[] }, callback?: SendCallback): void
  on(event: 'response' | 'query', listener: (packet: MdnsPacket, from: RemoteInfo) => void): this
  on(event: 'error' | 'warning', listener: (error: NodeJS.ErrnoException) => void): this
  on(event: 'ready', listener: () => void): this
  off(event: 'response' | 'query', listener: (packet: MdnsPacket, from: RemoteInfo) => void): this
  off(event: 'error' | 'warning', listener: (error: NodeJS.ErrnoException) => void): this
  off(event: 'ready', listener: () => void): this
}

/** bonjour-service's responder: answers queries (with SRV, TXT and addresses as additionals) from what is registered. */
export interface MdnsResponder {
  register(records: MdnsRecord[]): void
  /** Drops every registered record with the name and type of each given record. */
  unregister(records: MdnsRecord[]): void
}

export interface MdnsEndpointOptions {
  /**
   * IPv4 address of the interface to send on and listen to. When omitted, multicast goes out where
   * the routing table sends 224.0.0.251 (normally the default route) and is heard on every interface.
   */
  interface?: string
  /** Problems after opening (a failed send, a lost membership); they never throw. */
  onProblem?: (error: Error) => void
}

const READY_TIMEOUT_MS = 3_000

export class MdnsEndpoint {
  readonly socket: MdnsSocket
  readonly responder: MdnsResponder
  private readonly bonjour: Bonjour
  private closed: Promise<void> | undefined

  private constructor(options: MdnsEndpointOptions, BonjourClass: typeof Bonjour) {
    const problem = (error: Error) => options.onProblem?.(error)
    // The socket must listen on 0.0.0.0: bound to the interface's unicast address it would never
    // see multicast. The callback takes the responder's send errors, which bonjour would throw.
    const config = options.interface ? { interface: options.interface, bind: '0.0.0.0' } : {}
    this.bonjour = new BonjourClass(config as object, problem)
    const server = (this.bonjour as unknown as { server: MdnsResponder & { mdns: MdnsSocket } }).server
    this.socket = server.mdns
    this.responder = server
    this.socket.on('warning', problem)
  }

  /** Opens the socket; rejects with a message for the user when port 5353 cannot be had. */
  static async open(options: MdnsEndpointOptions = {}): Promise<MdnsEndpoint> {
    // Loaded at the first endpoint, not with the relay: a relay that does not advertise never needs it.
    const { Bonjour: BonjourClass } = await import('bonjour-service')
    const endpoint = new MdnsEndpoint(options, BonjourClass)
    return new Promise((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        void endpoint.close()
        reject(new Error(describeSocketError(error)))
      }
      const timer = setTimeout(() => fail(new Error(`mDNS socket not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)
      endpoint.socket.on('error', fail)
      endpoint.socket.on('ready', () => {
        clearTimeout(timer)
        endpoint.socket.off('error', fail)
        // Later socket errors are reported like warnings instead of crashing the process.
        endpoint.socket.on('error', error => options.onProblem?.(error))
        resolve(endpoint)
      })
    })
  }

  /** Closes the socket. Sends nothing: goodbyes are the advertiser's business. */
  close(): Promise<void> {
    this.closed ??= new Promise(resolve => this.bonjour.destroy(() => resolve()))
    return this.closed
  }
}

function describeSocketError(error: NodeJS.ErrnoException): string {
  if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
    return `port 5353 unavailable (${error.code}): another program holds the mDNS port exclusively`
  }
  return `cannot open the mDNS socket: ${error.message}`
}

/** Sends a packet and resolves when it left (or failed to leave) the socket. */
export function respond(socket: MdnsSocket, records: MdnsRecord[]): Promise<Error | undefined> {
  return new Promise(resolve => socket.respond({ answers: records }, error => resolve(error ?? undefined)))
}
