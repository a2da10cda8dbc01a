/**
 * The relay's one port speaks both `ws://`/`http://` and `wss://`/`https://`: every connection is
 * told apart by its first byte (0x16 opens a TLS handshake; no HTTP request starts with it), and
 * either way ends up in the one HTTP server, so every route, rule and limit is the same for both.
 */
import type http from 'node:http'
import net from 'node:net'
import tls from 'node:tls'
import { normalizeAddress } from './admission.js'

/** The certificate the relay presents, and the CA it chains to. */
export interface TlsIdentity {
  key: string
  /** PEM, leaf first. */
  cert: string
  ca: {
    /** DER, as `GET /_switchboard/ca.crt` serves it. */
    der: Buffer
    /** SHA-256 of the DER, lowercase hex. */
    fingerprint: string
  }
  /** DNS names, then IP addresses, the certificate is valid for. */
  names: string[]
  notAfter: Date
}

/** A connection turned away before HTTP: a failed or stalled handshake, or TLS while it is off. */
export interface TlsRefusal {
  kind: 'tlsHandshake' | 'tlsOff'
  address: string
  detail: string
}

const TLS_HANDSHAKE_RECORD = 0x16
/**
 * A fatal handshake_failure alert (TLS record header, then level 2 and description 40): a TLS
 * client of a relay with TLS off is told "handshake failure" instead of choking on an HTTP answer.
 */
const HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28])
/**
 * A connection that has sent nothing is not a refusal (browsers open spare connections ahead of
 * use); it is dropped after as long as the HTTP server gives a request's headers.
 */
const SILENT_CONNECTION_MS = 60_000
/**
 * Silent connections are looked for this often, by one timer for all of them: a timer per
 * connection cost about a tenth of the relay's CPU per socket in a connection burst. So one is
 * dropped between SILENT_CONNECTION_MS and this much later.
 */
const SILENT_SWEEP_MS = 10_000
/** A refused TLS client gets this long to read the alert before its socket is destroyed. */
const REFUSED_LINGER_MS = 1_000

export interface TlsOrPlainOptions {
  /** Read at each connection, so a new limit holds for the next handshake. */
  handshakeTimeoutMs: () => number
  refused: (refusal: TlsRefusal) => void
}

/** Why a TLS client is refused while TLS is off and nothing more specific is known. */
const TLS_OFF_DETAIL = 'TLS is off on this relay; use ws:// or http://'

/**
 * TLS is on (with the certificate presented now), off (with the words a refused client gets), or
 * coming: on, but its certificate is still being made (the relay listens first, so a start does not
 * wait on the CA), and TLS connections wait for it.
 */
type TlsState =
  | { kind: 'on'; tls: TlsIdentity; context: tls.SecureContext }
  | { kind: 'off'; detail: string }
  | { kind: 'coming'; waiting: Set<(state: SettledTls) => void>; settled: Promise<void>; settle: () => void }
type SettledTls = Exclude<TlsState, { kind: 'coming' }>

/** The handshake timeout read when the connection's first byte came, and when it runs out. */
interface HandshakeLimit {
  timeoutMs: number
  deadline: number
}

export class TlsOrPlainListener {
  readonly server: net.Server
  private state: TlsState = { kind: 'off', detail: TLS_OFF_DETAIL }
  /** Connections not yet handed to the HTTP server, with when they came: destroyed when the relay closes. */
  private readonly pending = new Map<net.Socket, number>()
  private sweepTimer: NodeJS.Timeout | undefined
  private completed = 0

  constructor(
    private readonly http: http.Server,
    private readonly options: TlsOrPlainOptions,
  ) {
    // The HTTP server's own default; http.Server sets it on the connections it accepts itself.
    this.server = net.createServer({ noDelay: true }, socket => this.accept(socket))
  }

  get tls(): TlsIdentity | undefined {
    return this.state.kind === 'on' ? this.state.tls : undefined
  }

  /** Resolves once TLS is on or off, not coming: at once unless a certificate is being made. */
  settled(): Promise<void> {
    return this.state.kind === 'coming' ? this.state.settled : Promise.resolve()
  }

  /** TLS handshakes completed since the relay started. */
  get handshakes(): number {
    return this.completed
  }

  /**
   * A new certificate (or undefined: TLS off) for handshakes from now on; connections already
   * open keep theirs, so nothing connected notices a renewal.
   */
  setIdentity(identity: TlsIdentity | undefined): void {
    this.settle(identity ? { kind: 'on', tls: identity, context: tls.createSecureContext({ key: identity.key, cert: identity.cert }) } : { kind: 'off', detail: TLS_OFF_DETAIL })
  }

  /** TLS is on but its first certificate is still being made: TLS connections wait for setIdentity or `unavailable`. */
  expectIdentity(): void {
    if (this.state.kind !== 'off') return
    let settle!: () => void
    const settled = new Promise<void>(resolve => (settle = resolve))
    this.state = { kind: 'coming', waiting: new Set(), settled, settle }
  }

  /**
   * The certificate could not be made: TLS clients, those waiting and those to come, are refused
   * with `reason`. A certificate already presented stays: a failed renewal is no reason to drop it.
   */
  unavailable(reason: string): void {
    if (this.state.kind === 'on') return
    // The advice first: a long reason is what a close reason's limit cuts short.
    this.settle({ kind: 'off', detail: `${TLS_OFF_DETAIL} (its certificate could not be made: ${reason})` })
  }

  private settle(next: SettledTls): void {
    const previous = this.state
    this.state = next
    if (previous.kind !== 'coming') return
    for (const release of previous.waiting) release(next)
    previous.settle()
  }

  async listen(port: number, host: string | undefined): Promise<number> {
    const server = this.server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    // The HTTP server never listens itself; this starts its checks of slow headers and requests.
    this.http.emit('listening')
    this.sweepTimer = setInterval(() => this.dropSilent(), SILENT_SWEEP_MS).unref()
    return (server.address() as net.AddressInfo).port
  }

  /** Stops accepting and drops connections that never reached HTTP; resolves once the port is free. */
  close(): Promise<void> {
    const stopped = new Promise<void>(resolve => this.server.close(() => resolve()))
    clearInterval(this.sweepTimer)
    for (const socket of this.pending.keys()) socket.destroy()
    // Stops the HTTP server's timers; it reports "not running", which is true and harmless.
    this.http.close(() => {})
    return stopped
  }

  /** Drops connections that have sent nothing (or not finished a refusal or handshake) for too long. */
  private dropSilent(now = Date.now()): void {
    for (const [socket, acceptedAt] of this.pending) {
      if (now - acceptedAt >= SILENT_CONNECTION_MS) socket.destroy()
    }
  }

  private accept(socket: net.Socket): void {
    this.pending.set(socket, Date.now())
    const address = normalizeAddress(socket.remoteAddress)
    // A refused client's linger or a handshake's deadline; silence before the first byte is dropSilent's.
    let timer: NodeJS.Timeout | undefined
    const settled = () => {
      clearTimeout(timer)
      this.pending.delete(socket)
    }
    socket.once('close', settled)
    // Errors before the hand-over have nobody to tell: the peer went away.
    const onError = () => socket.destroy()
    socket.on('error', onError)
    socket.once('data', (chunk: Buffer) => {
      socket.pause()
      socket.unshift(chunk)
      if (chunk[0] !== TLS_HANDSHAKE_RECORD) {
        settled()
        socket.off('error', onError)
        this.http.emit('connection', socket)
        socket.resume()
        return
      }
      const setTimer = (timeout: NodeJS.Timeout) => (timer = timeout)
      const timeoutMs = this.options.handshakeTimeoutMs()
      // A wait for the certificate counts against the handshake's time: nobody is held longer than the limit.
      const deadline = Date.now() + timeoutMs
      const state = this.state
      const limit = { timeoutMs, deadline }
      if (state.kind !== 'coming') return this.secure(state, socket, address, limit, setTimer, settled, onError)
      const release = (next: SettledTls) => {
        clearTimeout(timer)
        this.secure(next, socket, address, limit, setTimer, settled, onError)
      }
      state.waiting.add(release)
      socket.once('close', () => state.waiting.delete(release))
      timer = setTimeout(() => {
        socket.destroy()
        this.options.refused({ kind: 'tlsHandshake', address, detail: `no TLS handshake within ${timeoutMs} ms: the certificate was not ready` })
      }, timeoutMs).unref()
    })
  }

  /** A connection that opened with a TLS record: its handshake, or a refusal while TLS is off. */
  private secure(state: SettledTls, socket: net.Socket, address: string, limit: HandshakeLimit, setTimer: (timer: NodeJS.Timeout) => void, settled: () => void, onError: () => void): void {
    if (state.kind === 'on') {
      this.handshake(socket, address, state.context, limit, setTimer, settled)
      return void socket.off('error', onError)
    }
    socket.end(HANDSHAKE_FAILURE_ALERT)
    setTimer(setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref())
    this.options.refused({ kind: 'tlsOff', address, detail: state.detail })
  }

  private handshake(socket: net.Socket, address: string, secureContext: tls.SecureContext, limit: HandshakeLimit, setTimer: (timer: NodeJS.Timeout) => void, settled: () => void): void {
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext })
    let refused = false
    // Once per connection: a socket given up for a stall may still report its reset.
    const refuse = (detail: string) => {
      if (refused) return
      refused = true
      secure.destroy()
      this.options.refused({ kind: 'tlsHandshake', address, detail })
    }
    setTimer(setTimeout(() => refuse(`no TLS handshake within ${limit.timeoutMs} ms`), Math.max(0, limit.deadline - Date.now())).unref())
    const onError = (error: NodeJS.ErrnoException) => refuse(handshakeProblem(error))
    secure.on('error', onError)
    secure.once('secure', () => {
      this.completed++
      settled()
      secure.off('error', onError)
      // With TLS 1.3 a client that does not trust the certificate says so after the server has
      // finished its part: that alert is a refused handshake too, the most useful one to report.
      secure.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code?.startsWith('ERR_SSL_')) this.options.refused({ kind: 'tlsHandshake', address, detail: handshakeProblem(error) })
      })
      this.http.emit('connection', secure)
    })
  }
}

/** OpenSSL's words, shortened: "tlsv1 alert unknown ca" says the client does not trust the relay's CA. */
function handshakeProblem(error: NodeJS.ErrnoException): string {
  const reason = /routines:[^:]*:([^:]+)/.exec(error.message)?.[1] ?? error.message
  return `${error.code ?? 'error'}: ${reason}`.slice(0, 100)
}
