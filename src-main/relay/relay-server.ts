import { EventEmitter } from 'node:events'
import { networkInterfaces } from 'node:os'
import http, { type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { WebSocketServer } from 'ws'
import { CLOSE, MALFORMED_TOLERANCE, closeReason, type CloseKind } from '../../shared/close-codes.js'
import { resolveLimits, type RelayLimits } from '../../shared/limits.js'
import { WIRE_PROTOCOL, parseRelayPath } from '../../shared/protocol.js'
import { DEFAULT_PORT } from '../../shared/relay-node-options.js'
import { DEVICE_NAME_HEADER, DEVICE_NAME_PATH, parseDeviceName } from '@switchboard/lan-mdns/relay-service'
import { CA_CERT_PATH, advertisingOff, type AdvertisingView, type FrameMasking, type HistoryView, type RelayEvent, type RelayHealth, type RelayRates, type RelaySnapshot, type SkippedInterface, type TlsView } from '../../shared/relay-model.js'
import { VERSION } from '../version.js'
import { RelayActivity } from './activity.js'
import { TokenFailures, TokenGate, isLanAddress, type AccessOptions } from './access.js'
import { AddressBook, PenaltyBox, normalizeAddress } from './admission.js'
import { offerUrls, type UrlOffer } from './addresses.js'
import { defaultRouteInterfaces } from './default-route.js'
import { detectFrameMasking } from './frame-masking.js'
import { DeviceBook, type DeviceDeparture, type DeviceNamer } from './devices.js'
import { decodeControlMessage } from './control-messages.js'
import { serveHttp } from './http-pages.js'
import { refuseHttp } from './http-refusal.js'
import { PeerRegistry } from './peers.js'
import { PipeRegistry } from './pipes.js'
import { RelaySocket } from './relay-socket.js'
import { TlsOrPlainListener, type TlsIdentity, type TlsRefusal } from './tls-or-plain.js'

export interface RelayServerOptions {
  /** Interface to listen on; all interfaces when omitted. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  limits?: Partial<RelayLimits>
  /** How many recent events the model keeps. */
  eventLogSize?: number
  access?: AccessOptions
  /** Interface names apps are given URLs on (`--interface`); every one that leads to the LAN when absent. */
  interfaces?: readonly string[]
  /** Serve `wss://` and `https://` on the same port with this certificate; plain only when absent. */
  tls?: TlsIdentity
}

/**
 * Something served on the relay's own port beside the wire protocol (the dashboard, the discovery
 * endpoint). Each handler returns true when it took the request; extensions are asked in the order
 * they were added, before the relay's own routes.
 */
export interface RelayExtension {
  handleRequest?(req: IncomingMessage, res: http.ServerResponse): boolean
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Called when the relay closes, before its port is freed. */
  close?(): Promise<void> | void
}

export interface ListeningAddress {
  host: string | undefined
  port: number
  /** Where it listens, for apps on this machine: loopback for an all-interfaces relay. */
  url: string
  /** The URLs apps are given when it started (see UrlOffer; the model's are current). */
  urls: string[]
  notOffered: SkippedInterface[]
}

/** Sockets still open this long after the shutdown close frames are cut off. */
const SHUTDOWN_GRACE_MS = 1_500
const RATE_SAMPLE_MS = 1_000
const REFUSED_SOCKET_LINGER_MS = 2_000
/**
 * The interface table and the route file are read at most this often, however often the model or
 * the unauthenticated discovery endpoint asks for the URLs.
 */
const OFFER_TTL_MS = 1_000

/**
 * The relay engine: plain Node, no Electron, so it runs headless, in tests and in the app's main
 * process alike. It speaks the @localfirst/relay v4 wire protocol on one HTTP port.
 */
export interface RelayServerEvents {
  event: [RelayEvent]
  /** A device's last socket closed (shutdown included): what it did while connected, for the history. */
  'device-left': [DeviceDeparture]
}

/** The history part of the model when nothing keeps one. */
const NO_HISTORY: HistoryView = { enabled: false, devices: [] }

/** Keeps the devices that left (the node's recently-seen store). */
export interface HistorySource {
  /** Latest first, without the devices at the `connected` addresses. */
  view(connected: ReadonlySet<string>): HistoryView
  clear(): void
}

export class RelayServer extends EventEmitter<RelayServerEvents> {
  /** One object for the life of the relay: the registries hold it, and setLimits changes it in place. */
  readonly limits: RelayLimits
  private readonly host: string | undefined
  private readonly requestedPort: number
  private readonly activity: RelayActivity
  private readonly peers: PeerRegistry
  private readonly pipes: PipeRegistry
  private readonly addresses: AddressBook
  private readonly devices = new DeviceBook()
  private history: HistorySource | undefined
  private tokenGate: TokenGate | undefined
  private readonly tokenFailures = new TokenFailures()
  private allowPublic = false
  private interfaces: readonly string[] | undefined
  private readonly penalties = new PenaltyBox()
  private readonly sockets = new Set<RelaySocket>()
  private readonly extensions: RelayExtension[] = []
  /** Connections answered with an HTTP refusal and not yet gone; destroyed on shutdown. */
  private readonly refusedSockets = new Set<Duplex>()
  private readonly controlServer: WebSocketServer
  private readonly pipeServer: WebSocketServer
  private readonly httpServer: http.Server
  private readonly listener: TlsOrPlainListener
  private readonly startedAt = Date.now()
  private readonly masking: FrameMasking = detectFrameMasking()
  private address: ListeningAddress | undefined
  private cachedOffer: { at: number; offer: UrlOffer } | undefined
  private pingTimer: NodeJS.Timeout | undefined
  private rateTimer: NodeJS.Timeout | undefined
  private closing: Promise<void> | undefined
  private rates: RelayRates = { messagesPerSecond: 0, bytesPerSecond: 0 }
  private advertising: AdvertisingView = advertisingOff('not-running', 'LAN discovery is not running')
  private lastSample = { at: Date.now(), messages: 0, bytes: 0 }

  constructor(options: RelayServerOptions = {}) {
    super()
    this.limits = resolveLimits(options.limits)
    this.host = options.host
    this.requestedPort = options.port ?? DEFAULT_PORT
    this.addresses = new AddressBook(this.limits.connectionsPerAddressPerSecond, this.limits.maxConnectionsPerAddress)
    this.setAccess(options.access ?? {})
    this.interfaces = options.interfaces
    this.activity = new RelayActivity(
      options.eventLogSize ?? 500,
      event => {
        if (this.listenerCount('event') > 0) this.emit('event', event)
      },
      event => {
        const address = event.address ?? (event.peerId === undefined ? undefined : this.peers.get(event.peerId)?.address)
        return address === undefined ? undefined : this.devices.name(address)?.name
      },
    )
    this.peers = new PeerRegistry(this.limits, this.activity, (peerId, otherPeerId, documentIds) =>
      this.pipes.introduced(peerId, otherPeerId, documentIds),
    )
    this.pipes = new PipeRegistry(
      this.limits,
      this.activity,
      (peerId, otherPeerId, documentId) => this.peers.reintroduce(peerId, otherPeerId, documentId),
      pipe => this.devices.pipeClosed(pipe),
    )
    const common = { noServer: true, clientTracking: false, perMessageDeflate: false, WebSocket: RelaySocket } as const
    this.controlServer = new WebSocketServer({ ...common, maxPayload: this.limits.maxControlMessageBytes })
    this.pipeServer = new WebSocketServer({ ...common, maxPayload: this.limits.maxPipeMessageBytes })
    this.httpServer = http.createServer((req, res) => {
      const address = normalizeAddress(req.socket.remoteAddress)
      if (!this.allowPublic && !isLanAddress(address)) return this.refuseRequest(res, address)
      // While the first certificate is being made, a CA download waits for it rather than finding none.
      if ((req.url ?? '').split('?')[0] === CA_CERT_PATH) return void this.listener.settled().then(() => this.route(req, res, address))
      this.route(req, res, address)
    })
    this.httpServer.on('upgrade', (req, socket, head) => {
      // An error on a socket that never became a WebSocket has nobody to tell; it is just dropped.
      socket.on('error', () => socket.destroy())
      const address = normalizeAddress(req.socket.remoteAddress)
      if (!this.allowPublic && !isLanAddress(address)) {
        return this.refuseUpgrade(socket, 'forbidden', publicAddressDetail(address), { address, peerId: undefined })
      }
      for (const extension of this.extensions) if (extension.handleUpgrade?.(req, socket, head)) return
      this.onUpgrade(req, socket, head, address)
    })
    this.listener = new TlsOrPlainListener(this.httpServer, {
      handshakeTimeoutMs: () => this.limits.tlsHandshakeTimeoutMs,
      refused: refusal => this.onTlsRefusal(refusal),
    })
    this.listener.setIdentity(options.tls)
  }

  private route(req: IncomingMessage, res: http.ServerResponse, address: string): void {
    // Before the extensions: the dashboard's files live under the same /_switchboard/ prefix.
    if (this.serveCaCertificate(req, res)) return
    if ((req.url ?? '').split('?')[0] === DEVICE_NAME_PATH) return this.nameDevice(req, res, address)
    for (const extension of this.extensions) if (extension.handleRequest?.(req, res)) return
    serveHttp(req, res, () => this.health(), this.listener.tls !== undefined)
  }

  /** Resolves once listening; rejects with the listen error (EADDRINUSE for a busy port). */
  async listen(): Promise<ListeningAddress> {
    if (this.address) return this.address
    const port = await this.listener.listen(this.requestedPort, this.host)
    const offer = this.offerOn(port)
    this.address = { host: this.host, port, url: offer.local, urls: offer.urls, notOffered: offer.skipped }
    this.startPinging()
    this.rateTimer = setInterval(() => this.sampleRates(), RATE_SAMPLE_MS).unref()
    return this.address
  }

  /** Serves an extension on the relay's port; see RelayExtension. */
  use(extension: RelayExtension): this {
    this.extensions.push(extension)
    return this
  }

  /** Stops serving an extension; requests it would have taken go to the others and the relay's own routes. */
  detach(extension: RelayExtension): void {
    const index = this.extensions.indexOf(extension)
    if (index >= 0) this.extensions.splice(index, 1)
  }

  /**
   * New limits for a running relay, applied without closing anything: they hold for every new
   * socket, Join, pipe and held byte from now on. Sockets already open keep the message size they
   * were accepted with (ws fixes it per socket) and peers keep their control-message budget.
   * Throws, with nothing changed, on limits resolveLimits refuses.
   */
  setLimits(overrides: Partial<RelayLimits>): void {
    const next = resolveLimits(overrides)
    const pingChanged = next.pingIntervalMs !== this.limits.pingIntervalMs
    Object.assign(this.limits, next)
    // ws reads maxPayload from its options at each upgrade.
    this.controlServer.options.maxPayload = next.maxControlMessageBytes
    this.pipeServer.options.maxPayload = next.maxPipeMessageBytes
    this.addresses.setRate(next.connectionsPerAddressPerSecond, next.maxConnectionsPerAddress)
    if (pingChanged && this.pingTimer) this.startPinging()
  }

  /** A new access token (or none) and public-address rule: asked of new connections; open ones stay. */
  setAccess(access: AccessOptions): void {
    this.tokenGate = access.token ? new TokenGate(access.token) : undefined
    this.allowPublic = access.allowPublic ?? false
    this.cachedOffer = undefined
  }

  /** New interfaces to give apps URLs on; see RelayServerOptions.interfaces. */
  setInterfaces(interfaces: readonly string[] | undefined): void {
    this.interfaces = interfaces
    this.cachedOffer = undefined
  }

  /**
   * The URLs apps are given, from the interfaces as they are now (a laptop changes networks; they
   * are read again after OFFER_TTL_MS); undefined until it listens.
   */
  offer(): UrlOffer | undefined {
    if (!this.address) return undefined
    const now = Date.now()
    if (!this.cachedOffer || now - this.cachedOffer.at >= OFFER_TTL_MS) this.cachedOffer = { at: now, offer: this.offerOn(this.address.port) }
    return this.cachedOffer.offer
  }

  /** The LAN addresses apps are given (UrlOffer.addresses), known before it listens too. */
  offeredAddresses(): string[] {
    return (this.offer() ?? this.offerOn(this.requestedPort)).addresses
  }

  private offerOn(port: number): UrlOffer {
    return offerUrls(networkInterfaces(), { host: this.host, port, pinned: this.interfaces, allowPublic: this.allowPublic, defaultRoute: defaultRouteInterfaces() })
  }

  /**
   * A new certificate for TLS connections from now on (a renewal, new addresses), or undefined to
   * turn TLS off; connections already open stay as they are.
   */
  setTls(identity: TlsIdentity | undefined): void {
    this.listener.setIdentity(identity)
  }

  /**
   * TLS is on but its first certificate is still being made: TLS connections (and CA downloads)
   * wait for setTls, or for tlsUnavailable; plain ones are served at once.
   */
  expectTls(): void {
    this.listener.expectIdentity()
  }

  /** The certificate could not be made: TLS clients are refused with `reason` (a certificate already presented stays). */
  tlsUnavailable(reason: string): void {
    this.listener.unavailable(reason)
  }

  get tls(): TlsIdentity | undefined {
    return this.listener.tls
  }

  /** Reverse lookups of device names (src-main/discovery); without one, devices are named only by their clients. */
  setDeviceNamer(namer: DeviceNamer | undefined): void {
    this.devices.namer = namer
  }

  /** Where the model's `history` comes from; none while history is turned off. */
  setHistory(history: HistorySource | undefined): void {
    this.history = history
  }

  /** Admin action: forgets every device and peer that left. False when no history is kept. */
  clearHistory(): boolean {
    this.history?.clear()
    return this.history !== undefined
  }

  /** LAN discovery (src-main/discovery) reports its state here for the model. */
  setAdvertising(view: AdvertisingView): void {
    this.advertising = view
  }

  get listening(): ListeningAddress | undefined {
    return this.address
  }

  /** Closes every socket with 1001, frees the port, and resolves when all of it is done. */
  close(): Promise<void> {
    this.closing ??= this.shutDown()
    return this.closing
  }

  /** Admin action: closes a peer's introduction socket and every pipe it is part of. */
  disconnectPeer(peerId: string): boolean {
    let found = false
    for (const socket of this.sockets) {
      const ownsPipe = socket.pipeSide?.peerId === peerId
      if (socket.peer?.id === peerId || ownsPipe) {
        found = true
        socket.refuse('adminClosed')
      }
    }
    return found
  }

  /** Admin action: closes both sides of one pipe. */
  closePipe(pipeId: number): boolean {
    const pipe = this.pipes.find(pipeId)
    if (!pipe) return false
    pipe.sides[0].socket!.refuse('adminClosed')
    return true
  }

  snapshot(): RelaySnapshot {
    const { messages, bytes } = this.pipes.totals()
    const totals = this.activity.totals
    const offer = this.offer()
    const peers = this.peers.peerViews()
    const devices = this.devices.views(peers, this.pipes.livePipes())
    for (const peer of peers) {
      const deviceName = this.devices.name(peer.address)?.name
      if (deviceName !== undefined) peer.deviceName = deviceName
    }
    return {
      version: VERSION,
      startedAt: this.startedAt,
      takenAt: Date.now(),
      listening: this.address !== undefined && this.closing === undefined,
      urls: offer?.urls ?? [],
      notOffered: offer?.skipped ?? [],
      limits: { ...this.limits },
      counts: this.counts(),
      totals: { ...totals, refusalsByKind: { ...totals.refusalsByKind }, messagesRelayed: messages, bytesRelayed: bytes },
      rates: { ...this.rates },
      peers,
      documents: this.peers.documentViews(),
      pipes: this.pipes.views(),
      events: this.activity.log.list(),
      advertising: this.advertising,
      access: { tokenRequired: this.tokenGate !== undefined, allowPublic: this.allowPublic },
      addresses: this.addresses.views(),
      masking: this.masking,
      tls: this.tlsView(offer?.urls ?? []),
      devices,
      history: this.history?.view(new Set(devices.map(device => device.address))) ?? NO_HISTORY,
    }
  }

  private tlsView(urls: string[]): TlsView {
    const identity = this.listener.tls
    const handshakes = this.listener.handshakes
    if (!identity) return { enabled: false, urls: [], handshakes }
    return {
      enabled: true,
      handshakes,
      urls: urls.map(url => url.replace(/^ws:/, 'wss:')),
      ca: { fingerprint: identity.ca.fingerprint, path: CA_CERT_PATH },
      certificate: { names: identity.names, notAfter: identity.notAfter.getTime() },
    }
  }

  /** The CA certificate, for devices to install; answers 404 while TLS is off. */
  private serveCaCertificate(req: IncomingMessage, res: http.ServerResponse): boolean {
    if ((req.url ?? '').split('?')[0] !== CA_CERT_PATH) return false
    const ca = this.listener.tls?.ca
    if (!ca) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n')
      return true
    }
    res
      .writeHead(200, {
        // The type phones recognise: they offer to install it instead of showing or saving it.
        'Content-Type': 'application/x-x509-ca-cert',
        'Content-Disposition': 'attachment; filename="switchboard-ca.crt"',
        'Content-Length': ca.der.length,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      })
      .end(req.method === 'HEAD' ? undefined : ca.der)
    return true
  }

  private onTlsRefusal({ kind, address, detail }: TlsRefusal): void {
    this.addresses.noteRefusal(address, kind)
    this.activity.refusal(kind, { address, reason: closeReason(kind, detail) })
  }

  health(): RelayHealth {
    return {
      status: this.closing ? 'shutting-down' : 'ok',
      version: VERSION,
      protocol: WIRE_PROTOCOL,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      counts: this.counts(),
      masking: this.masking,
    }
  }

  private counts() {
    return {
      peers: this.peers.peerCount,
      documents: this.peers.documentCount,
      pipesWaiting: this.pipes.waitingCount,
      pipesLive: this.pipes.liveCount,
      sockets: this.sockets.size,
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address: string): void {
    const route = parseRelayPath(req.url ?? '/')
    const endpoint = route.kind === 'malformed' ? route.endpoint : route.kind
    const peerId = route.kind === 'introduction' ? route.peerId : undefined
    // Introduction sockets are refused before they open, so the Client backs off. The Client has
    // no error listener on pipe sockets, where a refused handshake would crash the app: those
    // (and unknown paths) are accepted and then closed with the code instead.
    const refuse = (kind: CloseKind, detail: string | undefined, retryAfterSeconds?: number) =>
      endpoint === 'introduction'
        ? this.refuseUpgrade(socket, kind, detail, { address, peerId }, retryAfterSeconds)
        : this.acceptAndClose(req, socket, head, address, kind, detail)
    if (this.closing) return refuse('shuttingDown', undefined)
    if (route.kind !== 'unknown' && !this.checkToken(req, socket, route.pathToken, address, peerId)) return
    if (this.addresses.count(address) >= this.limits.maxConnectionsPerAddress) {
      return refuse('limitReached', `${this.limits.maxConnectionsPerAddress} connections from ${address}`)
    }
    if (!this.addresses.takeConnection(address)) {
      return refuse('limitReached', `more than ${this.limits.connectionsPerAddressPerSecond} new connections per second from ${address}`)
    }
    switch (route.kind) {
      case 'malformed':
        return refuse('malformed', route.reason)
      case 'unknown': {
        const path = (req.url ?? '').slice(0, 60)
        return refuse('unknownPath', `${path}; use /introduction/:peerId or /connection/:A/:B/:documentId`)
      }
      case 'introduction': {
        const wait = this.penalties.remaining(route.peerId)
        if (wait > 0) {
          const seconds = Math.ceil(wait / 1000)
          return refuse('penalty', `this peer id was closed for cause; retry in ${seconds} s`, seconds)
        }
        const admission = this.peers.admit(route.peerId, address)
        if (!admission.ok) return refuse(admission.kind, admission.detail)
        if (req.headers[DEVICE_NAME_HEADER] !== undefined) this.takeDeviceName(req, address)
        this.controlServer.handleUpgrade(req, socket, head, ws => {
          this.onIntroduction(this.adopt(ws as RelaySocket, address, this.limits.maxControlMessageBytes), route.peerId)
        })
        return
      }
      case 'connection':
        this.pipeServer.handleUpgrade(req, socket, head, ws => {
          this.onPipeSocket(this.adopt(ws as RelaySocket, address, this.limits.maxPipeMessageBytes), route)
        })
        return
    }
  }

  /** In a method of its own so the socket's listeners do not keep the upgrade request alive. */
  private onPipeSocket(socket: RelaySocket, route: { localPeerId: string; remotePeerId: string; documentId: string }): void {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      // Frames that arrive after the relay started closing this socket go nowhere.
      if (socket.readyState !== 1) return
      socket.answeredPing = true
      this.pipes.forward(socket, data, isBinary)
    })
    this.pipes.open(socket, route.localPeerId, route.remotePeerId, route.documentId)
  }

  private acceptAndClose(req: IncomingMessage, socket: Duplex, head: Buffer, address: string, kind: CloseKind, detail: string | undefined): void {
    this.controlServer.handleUpgrade(req, socket, head, ws => {
      const relaySocket = this.adopt(ws as RelaySocket, address, this.limits.maxControlMessageBytes)
      this.addresses.noteRefusal(address, kind)
      this.activity.refusal(kind, { address, reason: closeReason(kind, detail) })
      relaySocket.refuse(kind, detail)
    })
  }

  /** Bookkeeping every accepted socket gets, whatever its route. */
  private adopt(socket: RelaySocket, address: string, maxMessageBytes: number): RelaySocket {
    socket.remoteAddress = address
    socket.maxMessageBytes = maxMessageBytes
    this.sockets.add(socket)
    this.addresses.add(address)
    this.activity.totals.connectionsAccepted++
    // One listener per event for every route (each costs at every connection and every emit):
    // the pong readies a new pipe socket, the close reaches the peer or pipe the socket belongs to.
    socket.on('pong', () => {
      socket.answeredPing = true
      if (socket.pipeSide) this.pipes.ponged(socket.pipeSide)
    })
    // ws has already closed the socket with a code and reason (see RelaySocket.close). An error on
    // a socket the relay was already closing for another reason was counted then.
    socket.on('error', (error: Error) => {
      if (!socket.protocolFailure) return
      const { kind, reason } = socket.protocolFailure
      this.activity.refusal(kind, {
        address,
        peerId: socket.peer?.id ?? socket.pipeSide?.peerId,
        reason: `${reason} (${error.message})`,
      })
    })
    socket.on('close', (code: number, reasonBytes: Buffer) => {
      this.sockets.delete(socket)
      this.addresses.remove(address)
      const reason = reasonBytes.toString()
      this.peers.unregister(socket, code, reason)
      if (socket.peer) this.devices.peerLeft(address, socket.peer.id)
      this.pipes.closed(socket, code, reason)
      // After the pipe's close: its traffic is counted by then.
      this.deviceMayHaveLeft(address)
    })
    return socket
  }

  private deviceMayHaveLeft(address: string): void {
    if (this.addresses.count(address) > 0) return
    const departure = this.devices.ended(address)
    if (departure && this.listenerCount('device-left') > 0) this.emit('device-left', departure)
  }

  /** The device name header, from an authorised request; a bad value is ignored, counted and logged. */
  private takeDeviceName(req: IncomingMessage, address: string): { ok: true } | { ok: false; reason: string } {
    // Node joins repeated headers with a comma, which would make two names one; it keeps them apart here.
    const values = req.headersDistinct[DEVICE_NAME_HEADER] ?? []
    const parsed = parseDeviceName(values.length === 1 ? values[0] : values)
    if (parsed.ok) {
      this.devices.setClientName(address, parsed.name)
      return parsed
    }
    this.activity.totals.deviceNamesIgnored++
    this.activity.record({ kind: 'device-name-ignored', address, reason: parsed.reason })
    return parsed
  }

  /** POST DEVICE_NAME_PATH: a client that cannot set headers on its WebSockets names its device. */
  private nameDevice(req: IncomingMessage, res: http.ServerResponse, address: string): void {
    const answer = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`)
    }
    // The body is never read; a client sending one gets its connection closed after the answer.
    res.shouldKeepAlive = false
    if (req.method !== 'POST') return answer(405, 'POST the device name header here')
    if (this.tokenGate) {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]
      if (this.tokenFailures.lockedOutFor(address) > 0 || !this.tokenGate.admits(bearer)) {
        this.tokenFailures.fail(address)
        return answer(CLOSE.unauthorized.status, `${CLOSE.unauthorized.code} ${closeReason('unauthorized', bearer === undefined ? 'no token given' : 'wrong token')}`)
      }
    }
    const taken = this.takeDeviceName(req, address)
    if (taken.ok) return void res.writeHead(204).end()
    answer(400, `device name ignored: ${taken.reason}`)
  }

  private onIntroduction(socket: RelaySocket, peerId: string): void {
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onControlMessage(socket, data, isBinary))
    this.devices.peerArrived(socket.remoteAddress, peerId)
    this.peers.register(peerId, socket)
  }

  private onControlMessage(socket: RelaySocket, data: Buffer, isBinary: boolean): void {
    const peer = socket.peer!
    // A replaced socket's last words must not touch the peer id's new owner.
    if (socket.readyState !== 1 || this.peers.get(peer.id) !== peer) return
    socket.answeredPing = true
    if (!peer.controlBudget.take()) {
      return this.closeForCause(socket, 'limitReached', `more than ${this.limits.controlMessagesPerSecond} control messages per second`)
    }
    const decoded = decodeControlMessage(data, isBinary, this.limits.maxDocumentsPerPeer)
    if (!decoded.ok) {
      if (peer.malformed.exceeded()) {
        const { messages, windowMs } = MALFORMED_TOLERANCE
        return this.closeForCause(socket, 'malformed', `more than ${messages} in ${windowMs / 1000} s, last: ${decoded.reason}`)
      }
      return this.activity.ignored({ peerId: peer.id, address: peer.address, reason: decoded.reason })
    }
    const message = decoded.message
    if (message.type === 'Join') {
      if (this.peers.join(peer, message.documentIds) === 'limit') {
        this.closeForCause(socket, 'limitReached', `a peer may join at most ${this.limits.maxDocumentsPerPeer} documents`)
      } else {
        this.devices.joined(socket.remoteAddress, peer.id, message.documentIds)
      }
    } else if (message.type === 'Leave') {
      this.peers.leave(peer, message.documentIds)
    }
  }

  /** Closes an introduction socket for bad behaviour and keeps its peer id out for a while. */
  private closeForCause(socket: RelaySocket, kind: CloseKind, detail: string): void {
    const peerId = socket.peer!.id
    this.penalties.penalize(peerId)
    this.activity.refusal(kind, { peerId, address: socket.remoteAddress, reason: closeReason(kind, detail) })
    socket.refuse(kind, detail)
  }

  /**
   * With an access token set, the protocol endpoints need it: as the base URL's first path segment
   * (the published Client can carry nothing else) or as a Bearer header. Failures are answered
   * with 401, later and later, and an address that keeps failing is locked out for a while.
   */
  private checkToken(req: IncomingMessage, socket: Duplex, pathToken: string | undefined, address: string, peerId: string | undefined): boolean {
    if (!this.tokenGate) return true
    const fields = { address, peerId }
    const lockedFor = this.tokenFailures.lockedOutFor(address)
    if (lockedFor > 0) {
      const seconds = Math.ceil(lockedFor / 1000)
      this.refuseUpgrade(socket, 'lockedOut', `retry in ${seconds} s`, fields, seconds)
      return false
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const candidate = bearer ?? pathToken
    if (this.tokenGate.admits(candidate)) return true
    const delayMs = this.tokenFailures.fail(address)
    this.refuseUpgrade(socket, 'unauthorized', candidate === undefined ? 'no token given' : 'wrong token', fields, undefined, delayMs)
    return false
  }

  /**
   * Refuses a connection before the WebSocket opens: the HTTP status, with the close code and
   * reason in the body, since the published Client only backs off when no socket opened.
   */
  private refuseUpgrade(
    socket: Duplex,
    kind: CloseKind,
    detail: string | undefined,
    fields: { address: string; peerId: string | undefined },
    retryAfterSeconds?: number,
    delayMs = 0,
  ): void {
    const { code, status } = CLOSE[kind]
    const reason = closeReason(kind, detail)
    // Destroyed soon in any case, even while the answer is delayed: a client that never reads
    // must not hold the descriptor (or the shutdown) open.
    this.refusedSockets.add(socket)
    const timer = setTimeout(() => socket.destroy(), delayMs + REFUSED_SOCKET_LINGER_MS).unref()
    socket.once('close', () => {
      clearTimeout(timer)
      this.refusedSockets.delete(socket)
    })
    const answer = () => refuseHttp(socket, status, `${code} ${reason}\n`, retryAfterSeconds ? { 'Retry-After': retryAfterSeconds } : {})
    if (delayMs > 0) setTimeout(answer, delayMs).unref()
    else answer()
    this.addresses.noteRefusal(fields.address, kind)
    this.activity.refusal(kind, { ...fields, reason, http: true })
  }

  /** Plain HTTP from an address outside the LAN ranges (see AccessOptions.allowPublic). */
  private refuseRequest(res: http.ServerResponse, address: string): void {
    const reason = closeReason('forbidden', publicAddressDetail(address))
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(`${CLOSE.forbidden.code} ${reason}\n`)
    this.addresses.noteRefusal(address, 'forbidden')
    this.activity.refusal('forbidden', { address, reason, http: true })
  }

  private startPinging(): void {
    clearInterval(this.pingTimer)
    this.pingTimer = setInterval(() => this.pingSockets(), this.limits.pingIntervalMs).unref()
  }

  private pingSockets(): void {
    for (const socket of this.sockets) {
      // A sender paused by backpressure cannot read its pong; its silence says nothing.
      if (socket.isPaused) {
        socket.answeredPing = true
        continue
      }
      // A receiver behind a long queue answers late; a queue that shrank proves it is reading.
      const queued = socket.bufferedAmount
      const draining = queued > 0 && queued < socket.queuedAtPing
      if (!socket.answeredPing && !draining) {
        this.activity.refusal('deadSocket', {
          address: socket.remoteAddress,
          peerId: socket.peer?.id ?? socket.pipeSide?.peerId,
          reason: closeReason('deadSocket', `silent for ${this.limits.pingIntervalMs} ms`),
        })
        socket.terminate()
        continue
      }
      socket.answeredPing = false
      socket.ping()
      socket.queuedAtPing = socket.bufferedAmount
    }
    this.peers.prune()
    this.penalties.prune()
    this.addresses.prune()
  }

  private sampleRates(now = Date.now()): void {
    const { messages, bytes } = this.pipes.totals()
    const seconds = Math.max(0.001, (now - this.lastSample.at) / 1000)
    this.rates = {
      messagesPerSecond: Math.round((messages - this.lastSample.messages) / seconds),
      bytesPerSecond: Math.round((bytes - this.lastSample.bytes) / seconds),
    }
    this.lastSample = { at: now, messages, bytes }
    this.pipes.sampleRates(now)
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.pingTimer)
    clearInterval(this.rateTimer)
    const stoppedListening = this.listener.close()
    const open = [...this.sockets]
    // Not events.once: it rejects when a socket reports a protocol error on its way out.
    const allClosed = Promise.all(
      open.map(socket => socket.readyState === 3 || new Promise<void>(resolve => socket.once('close', () => resolve()))),
    )
    for (const socket of open) socket.refuse('shuttingDown')
    await Promise.race([allClosed, delay(SHUTDOWN_GRACE_MS, undefined, { ref: false })])
    for (const socket of this.sockets) socket.terminate()
    for (const socket of this.refusedSockets) socket.destroy()
    await Promise.all(this.extensions.map(extension => extension.close?.()))
    await allClosed
    this.httpServer.closeAllConnections()
    if (this.address) await stoppedListening
    this.address = undefined
  }
}

const publicAddressDetail = (address: string) =>
  `${address} is outside the local network, and this relay serves only its LAN`
