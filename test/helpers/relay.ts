import { once } from 'node:events'
import { pack, unpack } from 'msgpackr'
import { afterEach } from 'vitest'
import { WebSocket, type ClientOptions, type RawData } from 'ws'
import type { RelayLimits } from '../../shared/limits.js'
import type { RelayEvent } from '../../shared/relay-model.js'
import { RelayServer } from '../../src-main/relay/relay-server.js'

/** A relay on a free loopback port; stop it with `relay.close()` (or let `useRelay` do it). */
export async function startRelay(limits: Partial<RelayLimits> = {}): Promise<{ relay: RelayServer; url: string; port: number }> {
  const relay = new RelayServer({ host: '127.0.0.1', port: 0, limits })
  const { url, port } = await relay.listen()
  return { relay, url, port }
}

/**
 * For a test file whose tests each start a relay and open raw peers: `start` and `track` them, and
 * after each test the peers are terminated and the relay closed.
 */
export function useRelay(): {
  start(limits?: Partial<RelayLimits>): Promise<{ relay: RelayServer; url: string; port: number }>
  track<T extends RawPeer>(peer: T): T
} {
  let relay: RelayServer | undefined
  const peers: RawPeer[] = []
  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.socket.terminate()
    await relay?.close()
    relay = undefined
  })
  return {
    start: async limits => {
      const started = await startRelay(limits)
      relay = started.relay
      return started
    },
    track: peer => {
      peers.push(peer)
      return peer
    },
  }
}

export interface Received {
  data: Buffer
  isBinary: boolean
}

/**
 * A raw WebSocket to the relay that records everything it receives, so a test can assert on
 * exact bytes, opcodes and close codes.
 */
export class RawPeer {
  readonly socket: WebSocket
  readonly received: Received[] = []
  closeCode: number | undefined
  closeReason = ''
  /** Set when the relay refused the upgrade: the HTTP status and body. */
  refusedStatus: number | undefined
  refusedBody = ''
  readonly opened: Promise<void>
  readonly closed: Promise<void>
  private waiters: (() => void)[] = []

  constructor(url: string, options?: ClientOptions) {
    this.socket = new WebSocket(url, options)
    this.socket.on('message', (data: RawData, isBinary: boolean) => {
      this.received.push({ data: data as Buffer, isBinary })
      for (const wake of this.waiters.splice(0)) wake()
    })
    // With this listener ws leaves the request to us: read the refusal, then end it so 'close' follows.
    this.socket.on('unexpected-response', (_req, res) => {
      this.refusedStatus = res.statusCode
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (this.refusedBody += chunk))
      // terminate() while connecting aborts the handshake and emits 'close' (1006).
      res.on('end', () => this.socket.terminate())
      res.on('error', () => this.socket.terminate())
    })
    this.socket.on('error', () => {})
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve())
      this.socket.once('close', () => reject(new Error(`closed before open (HTTP ${this.refusedStatus ?? '?'})`)))
    })
    this.opened.catch(() => {})
    this.closed = new Promise(resolve => {
      this.socket.once('close', (code: number, reason: Buffer) => {
        this.closeCode = code
        this.closeReason = reason.toString()
        for (const wake of this.waiters.splice(0)) wake()
        resolve()
      })
    })
  }

  send(data: Buffer | string | Uint8Array, binary = typeof data !== 'string'): void {
    this.socket.send(data, { binary })
  }

  sendControl(message: unknown): void {
    this.socket.send(pack(message), { binary: true })
  }

  /** Decoded control messages received so far. */
  controlMessages(): { type: string; peerId?: string; documentIds?: string[] }[] {
    return this.received.map(({ data }) => unpack(data))
  }

  /** Resolves once `count` messages have arrived; rejects on close or after `timeoutMs`. */
  async waitForMessages(count: number, timeoutMs = 5_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs
    while (this.received.length < count) {
      if (this.closeCode !== undefined) throw new Error(`closed (${this.closeCode} ${this.closeReason}) after ${this.received.length}/${count} messages`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out with ${this.received.length}/${count} messages`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.received.slice(0, count)
  }

  close(): Promise<void> {
    this.socket.close()
    return this.closed
  }
}

/** Opens a raw peer on a relay path and waits until it is open. */
export async function openPeer(baseUrl: string, path: string): Promise<RawPeer> {
  const peer = new RawPeer(baseUrl + path)
  await peer.opened
  return peer
}

/** Resolves with the first relay event matching `match`, or rejects after `timeoutMs`. */
export function nextEvent(relay: RelayServer, match: (event: RelayEvent) => boolean, timeoutMs = 5_000): Promise<RelayEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      relay.off('event', listener)
      reject(new Error('no matching relay event'))
    }, timeoutMs)
    const listener = (event: RelayEvent) => {
      if (!match(event)) return
      clearTimeout(timer)
      relay.off('event', listener)
      resolve(event)
    }
    relay.on('event', listener)
  })
}

/** Polls `check` until it returns true, for state the relay reaches asynchronously. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

export { once }
