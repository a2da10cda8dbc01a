/**
 * A drop-in for the published `@localfirst/relay` Client whose `url` may be omitted: it then finds
 * the relay on the LAN by the choice rule (`chooseRelay`) and follows it — to another relay
 * when its relay leaves or a better one appears, to a new address when its relay's changes.
 *
 * Each relay it uses gets its own published Client, unchanged; this class forwards that Client's
 * methods and events, so an app sees the same API whichever relay it is on.
 */
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { Client as PublishedClient } from '@localfirst/relay/Client.js'
import { DEVICE_NAME_HEADER, DEVICE_NAME_PATH, RelayBrowser, chooseRelay, encodeDeviceName, relayKey, relayUrl, type DiscoveredRelay, type IdConflict, type MdnsEndpointOptions } from '@switchboard/lan-mdns'
import { CaPinMismatch, PinnedTlsTunnel, fetchPinnedCa } from './pinned-tls.js'

type PublishedOptions = ConstructorParameters<typeof PublishedClient>[0]
/** A pipe to a peer for one document, as the published Client hands it out. */
export type PipeSocket = NonNullable<ReturnType<PublishedClient['get']>>

/** The pipes to one peer, by document id. */
export type PeerSocketMap = NonNullable<ReturnType<PublishedClient['peers']['get']>>

export interface PeerEventPayload {
  peerId: string
  documentId: string
  socket: PipeSocket
}

export interface ClientEvents {
  'server-connect': []
  'server-disconnect': []
  error: [unknown]
  'peer-connect': [PeerEventPayload]
  'peer-disconnect': [PeerEventPayload]
  /** The relay found on the LAN that this client now uses (only when `url` was omitted). */
  'relay-change': [DiscoveredRelay]
  /**
   * Relays up at the same time announce one instance id (a copied configuration, a cloned
   * machine). They are kept apart by host and port, so this is a warning, once per clash.
   */
  conflict: [IdConflict]
}

export interface ClientOptions extends Omit<PublishedOptions, 'url'> {
  /** A relay URL, as for the published Client; omit it to find the relay on the LAN. */
  url?: string
  /** Where to look when `url` is omitted: a shared browser, or options for the client's own. */
  discovery?: { browser?: RelayBrowser } & MdnsEndpointOptions
  /**
   * The LAN's access token, for relays that require one (their TXT record says so, never the
   * token). It is added to a found relay's URL as the published Client expects: `ws://host:port/<token>`.
   */
  token?: string
  /**
   * The name the relay's dashboard shows for this device: the OS host name unless given; `false`
   * sends none. Sent to the relay on every connect.
   */
  deviceName?: string | false
}

/** How long to wait before trying again when the mDNS socket cannot be opened. */
const DISCOVERY_RETRY_MS = 5_000
/** Backoff for a TLS set-up that failed for a passing reason (relay restarting, timeout). */
const TLS_RETRY_MIN_MS = 1_000
const TLS_RETRY_MAX_MS = 30_000
const OPEN = 1

export class Client extends EventEmitter<ClientEvents> {
  readonly peerId: string
  readonly documentIds = new Set<string>()
  /** The relay in use, when it was found on the LAN. */
  relay: DiscoveredRelay | undefined
  private readonly fixedUrl: string | undefined
  private readonly token: string | undefined
  private readonly deviceName: string | undefined
  private readonly retry: Pick<PublishedOptions, 'minRetryDelay' | 'backoffFactor' | 'maxRetryDelay'>
  private readonly discoveryOptions: ClientOptions['discovery']
  private inner: PublishedClient | undefined
  private browser: RelayBrowser | undefined
  private stopped = false
  private verifying = false
  /** Set while no usable relay is visible: when one shows up again, the client connects at once. */
  private lost = false
  private retryTimer: NodeJS.Timeout | undefined
  /** Carries the published Client's sockets over TLS to a relay that pins its CA in TXT. */
  private tunnel: { relay: string; tunnel: PinnedTlsTunnel; url: string } | undefined
  /** Bumped at every move, so a TLS set-up that finishes after the next move is dropped. */
  private moves = 0
  /** The relay (relayKey) whose TLS set-up is under way: announcements meanwhile do not start it over. */
  private settingUp: string | undefined

  constructor(options: ClientOptions) {
    super()
    // One id for every relay this client will use (the published default is new per instance).
    this.peerId = options.peerId ?? randomUUID()
    this.retry = { minRetryDelay: options.minRetryDelay, backoffFactor: options.backoffFactor, maxRetryDelay: options.maxRetryDelay }
    this.fixedUrl = options.url
    this.token = options.token
    this.deviceName = options.deviceName === false ? undefined : (options.deviceName ?? hostname())
    this.discoveryOptions = options.discovery
    for (const id of options.documentIds ?? []) this.documentIds.add(id)
    this.start()
  }

  /** URL of the relay in use (`wss://` when it is reached over TLS); undefined until one is found. */
  get url(): string | undefined {
    const inner = this.inner?.url
    return inner && this.tunnel && inner.startsWith(this.tunnel.tunnel.url) ? this.tunnel.url + inner.slice(this.tunnel.tunnel.url.length) : inner
  }

  /** Whether the connection to the relay is open. */
  get open(): boolean {
    return this.inner?.open ?? false
  }

  get peers(): PublishedClient['peers'] {
    return this.inner?.peers ?? new Map()
  }

  join(documentId: string): this {
    this.documentIds.add(documentId)
    this.inner?.join(documentId)
    return this
  }

  leave(documentId: string): this {
    this.documentIds.delete(documentId)
    this.inner?.leave(documentId)
    return this
  }

  disconnectPeer(peerId: string): this {
    this.inner?.disconnectPeer(peerId)
    return this
  }

  /** Disconnects from all peers and the relay, stops looking for relays, and removes all listeners. */
  disconnectServer(): void {
    this.stopped = true
    clearTimeout(this.retryTimer)
    this.removeAllListeners()
    this.dropInner()
    this.stopDiscovery()
  }

  /** Connects again after `disconnectServer` (looking for the relay again when `url` was omitted). */
  connectToServer(): void {
    if (this.inner) return this.inner.connectToServer()
    this.stopped = false
    this.start()
  }

  has(peerId: string, documentId?: string): boolean {
    return this.inner?.has(peerId, documentId) ?? false
  }

  get(peerId: string): PeerSocketMap
  get(peerId: string, documentId: string): PipeSocket | null
  get(peerId: string, documentId?: string) {
    if (documentId !== undefined) return this.inner?.get(peerId, documentId) ?? null
    return this.inner?.get(peerId) ?? new Map()
  }

  private start(): void {
    if (this.fixedUrl !== undefined) this.connectTo(this.fixedUrl)
    // Once the constructor has returned, so that the app's listeners hear the first relay-change.
    else queueMicrotask(() => void this.startDiscovery())
  }

  private async startDiscovery(): Promise<void> {
    const { browser: shared, ...endpoint } = this.discoveryOptions ?? {}
    let browser: RelayBrowser
    try {
      browser = shared ?? (await RelayBrowser.open(endpoint))
    } catch (error) {
      this.reportError(error)
      if (!this.stopped) this.retryTimer = setTimeout(() => void this.startDiscovery(), DISCOVERY_RETRY_MS)
      return
    }
    if (this.stopped) {
      if (!shared) await browser.close()
      return
    }
    this.browser = browser
    browser.on('change', this.follow)
    browser.on('conflict', this.warn)
    for (const clash of browser.conflicts) this.warn(clash)
    this.follow(browser.relays)
  }

  private stopDiscovery(): void {
    const browser = this.browser
    if (!browser) return
    this.browser = undefined
    browser.off('change', this.follow)
    browser.off('conflict', this.warn)
    if (browser !== this.discoveryOptions?.browser) void browser.close()
  }

  /**
   * Moves to the relay the rule picks. With none visible it stays where it is: the published
   * Client keeps retrying, and a relay that merely stopped being heard (multicast filtered) may
   * still be reachable. When its relay comes back, it connects at once rather than when the
   * published Client's backoff (up to 30 s) says so.
   */
  private readonly follow = (relays: DiscoveredRelay[]): void => {
    if (this.stopped) return
    const next = chooseRelay(relays, { hasToken: this.token !== undefined })
    const cameBack = this.lost
    this.lost = next === undefined
    if (!next) return
    const sameRelay = this.relay !== undefined && relayKey(this.relay) === relayKey(next)
    if (sameRelay && this.settingUp === relayKey(next)) return
    this.relay = next
    if (sameRelay && this.inner && next.urls.some(url => this.withToken(url) === this.url?.replace(/^wss:/, 'ws:')) && (this.inner.open || !cameBack)) return
    this.dropInner()
    this.settingUp = undefined
    const move = ++this.moves
    if (next.tlsCa) void this.connectOverTls(next, move)
    else this.connectTo(this.withToken(next.url))
    this.emit('relay-change', next)
  }

  /**
   * A relay that pins its CA in TXT is reached over wss://, verified against that CA. When its CA
   * does not match the pin, nothing is sent to it: the app gets an error and the client waits for
   * the next change on the LAN. Any other failure may pass (the relay restarting), so it is retried
   * with backoff while that relay stays the one chosen.
   */
  private async connectOverTls(relay: DiscoveredRelay, move: number, attempt = 0): Promise<void> {
    this.settingUp = relayKey(relay)
    try {
      const { ca, address } = await fetchPinnedCa(relay)
      const tunnel = await PinnedTlsTunnel.open({ address, port: relay.port, servername: relay.host.replace(/\.$/, ''), ca })
      if (move !== this.moves || this.stopped) return tunnel.close()
      this.tunnel = { relay: relayKey(relay), tunnel, url: relayUrl(address, relay.port, relay.path).replace(/^ws:/, 'wss:') }
      this.connectTo(this.withToken(tunnel.url))
    } catch (error) {
      if (move !== this.moves || this.stopped) return
      this.reportError(error)
      if (error instanceof CaPinMismatch) return
      const delay = Math.min(TLS_RETRY_MIN_MS * 2 ** attempt, TLS_RETRY_MAX_MS)
      clearTimeout(this.retryTimer)
      this.retryTimer = setTimeout(() => {
        if (move === this.moves && !this.stopped) void this.connectOverTls(relay, move, attempt + 1)
      }, delay)
    } finally {
      if (move === this.moves) this.settingUp = undefined
    }
  }

  private readonly warn = (clash: IdConflict): void => {
    if (!this.stopped) this.emit('conflict', clash)
  }

  private withToken(url: string): string {
    return this.token === undefined || !this.relay?.tokenRequired ? url : `${url}/${this.token}`
  }

  private connectTo(url: string): void {
    const inner = new PublishedClient({ peerId: this.peerId, url, documentIds: [...this.documentIds], ...this.retry })
    inner.on('server-connect', () => {
      this.emit('server-connect')
      this.sendDeviceName(url)
    })
    inner.on('server-disconnect', () => {
      this.emit('server-disconnect')
      void this.checkRelay()
    })
    inner.on('error', error => this.reportError(error))
    inner.on('peer-connect', payload => this.emit('peer-connect', payload))
    inner.on('peer-disconnect', payload => this.emit('peer-disconnect', payload))
    this.inner = inner
  }

  /**
   * Retires the published Client of the relay being left. Its `disconnectServer` removes its
   * listeners before its sockets finish closing, so the events the app would otherwise miss are
   * emitted here.
   */
  private dropInner(): void {
    const inner = this.inner
    const tunnel = this.tunnel
    this.tunnel = undefined
    if (!inner) return tunnel?.tunnel.close()
    this.inner = undefined
    const wasOpen = inner.open
    const pipes: PeerEventPayload[] = []
    for (const [peerId, documents] of inner.peers) {
      for (const [documentId, socket] of documents) if (socket?.readyState === OPEN) pipes.push({ peerId, documentId, socket })
    }
    inner.disconnectServer()
    // After the Client's own close frames have been handed to it.
    tunnel?.tunnel.close()
    if (wasOpen) this.emit('server-disconnect')
    for (const pipe of pipes) this.emit('peer-disconnect', pipe)
  }

  /** The connection to the relay failed: if the relay no longer answers on the LAN, the browser drops it and `follow` moves on. */
  private async checkRelay(): Promise<void> {
    const relay = this.relay
    if (!this.browser || !relay || this.verifying) return
    // Already gone from the list: nothing to ask (the published Client keeps retrying on its own).
    if (!this.browser.relays.some(visible => relayKey(visible) === relayKey(relay))) return
    this.verifying = true
    try {
      await this.browser.verify(relay)
    } finally {
      this.verifying = false
    }
  }

  /**
   * The published Client opens its WebSockets without headers, so the name goes in a POST of its
   * own to the relay it just connected to. A relay that does not know the path answers 404: the
   * device is then shown by its address, which is all the name is for.
   */
  private sendDeviceName(relayUrl: string): void {
    if (this.deviceName === undefined) return
    let target: URL
    try {
      target = new URL(relayUrl)
    } catch {
      return
    }
    // The base URL's path is the access token, when one is needed (see withToken).
    const token = decodeURIComponent(target.pathname.replace(/^\/+|\/+$/g, ''))
    const headers: Record<string, string> = { [DEVICE_NAME_HEADER]: encodeDeviceName(this.deviceName) }
    if (token) headers.authorization = `Bearer ${token}`
    const origin = `${target.protocol === 'wss:' ? 'https:' : 'http:'}//${target.host}`
    fetch(`${origin}${DEVICE_NAME_PATH}`, { method: 'POST', headers }).then(
      response => void response.body?.cancel(),
      () => undefined,
    )
  }

  /** Like the published Client (an eventemitter3), an unheard error is not thrown. */
  private reportError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }
}
