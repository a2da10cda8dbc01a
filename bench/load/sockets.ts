/** Client-side building blocks shared by the scenarios. */
import WebSocket, { type RawData } from 'ws'
import { pack, unpack } from 'msgpackr'

/** Compression off as in the published client's default exchange; every byte should cost the same. */
const CLIENT_OPTIONS = { perMessageDeflate: false }
/** The CA wss:// connections verify the relay against; none for ws://. */
let tlsOptions: { ca?: string } = {}

/** Sockets opened from now on trust this CA (the relay's own), and only it and the system's. */
export function trustCa(ca: string | undefined): void {
  tlsOptions = ca ? { ca } : {}
}

export function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ...CLIENT_OPTIONS, ...tlsOptions })
    const fail = (error: Error) => {
      socket.terminate()
      reject(error)
    }
    socket.once('open', () => {
      socket.off('error', fail)
      socket.off('unexpected-response', refused)
      // Later socket errors end that socket only; the scenario notices the close.
      socket.on('error', () => socket.terminate())
      resolve(socket)
    })
    socket.once('error', fail)
    const refused = (_: unknown, response: { statusCode?: number }) =>
      fail(new Error(`${url} refused with HTTP ${response.statusCode}`))
    socket.once('unexpected-response', refused)
  })
}

export const introductionUrl = (base: string, peerId: string) => `${base}/introduction/${peerId}`
export const connectionUrl = (base: string, me: string, them: string, doc: string) => `${base}/connection/${me}/${them}/${doc}`

export const joinMessage = (documentId: string) => pack({ type: 'Join', documentIds: [documentId] })

export interface Introduction {
  type: string
  peerId: string
  documentIds: string[]
}

export const decodeIntroduction = (data: RawData) => unpack(data as Buffer) as Introduction

export function nextMessage(socket: WebSocket, timeoutMs = 10_000): Promise<RawData> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('message', onMessage)
      reject(new Error('timed out waiting for a message'))
    }, timeoutMs)
    const onMessage = (data: RawData) => {
      clearTimeout(timer)
      resolve(data)
    }
    socket.once('message', onMessage)
  })
}

/** Resolves when the socket is fully closed, or after the timeout (then it is terminated). */
export function closed(socket: WebSocket, timeoutMs = 10_000): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      socket.terminate()
      resolve()
    }, timeoutMs)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

export async function closeAll(sockets: Iterable<WebSocket>, timeoutMs = 10_000) {
  const all = [...sockets]
  for (const socket of all) socket.close()
  await Promise.all(all.map(socket => closed(socket, timeoutMs)))
}

/** Runs fn over items with at most `limit` in flight, so the server's accept backlog never overflows. */
export async function inBatches<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index]!, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}

export interface Pipe {
  a: WebSocket
  b: WebSocket
}

/**
 * Opens both halves of a pipe and waits until one message has crossed each way, which proves the
 * relay has joined them; data sent before that could be held and re-encoded by some relays.
 */
export async function openPipe(base: string, a: string, b: string, doc: string): Promise<Pipe> {
  const [sa, sb] = await Promise.all([connect(connectionUrl(base, a, b, doc)), connect(connectionUrl(base, b, a, doc))])
  const arrivedAtB = nextMessage(sb)
  const arrivedAtA = nextMessage(sa)
  sa.send(HELLO)
  sb.send(HELLO)
  await Promise.all([arrivedAtA, arrivedAtB])
  return { a: sa, b: sb }
}

const HELLO = Buffer.from('hello')

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

/** Unique per load-generator process and call, so no run ever meets an earlier run's ids. */
let serial = 0
export const uniqueTag = () => `${process.pid.toString(36)}${(serial++).toString(36)}`
