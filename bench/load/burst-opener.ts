/**
 * A worker thread of the load generator: opens a burst of introduction sockets, spread over many
 * loopback source addresses, each pair Joining its own document, and reports once every peer has
 * been introduced to its partner. It has its own event loop so that opening thousands of sockets
 * does not hold up the main thread's ping loop, which measures the relay's stall.
 */
import { parentPort, workerData } from 'node:worker_threads'
import WebSocket from 'ws'
import { decodeIntroduction, joinMessage } from './sockets.js'

export interface BurstOrder {
  url: string
  tag: string
  sockets: number
  /** Source addresses, 127.0.0.2 upwards. */
  addresses: number
  /** Handshakes in flight at most, below the relay's listen backlog (511) so none waits for a SYN retry. */
  concurrency: number
}

export interface BurstResult {
  introduced: number
  wrong: number
  failed: number
  openMs: number
  introducedMs: number
}

const order = workerData as BurstOrder
const sockets: WebSocket[] = []
const started = performance.now()
let opened = 0
let settled = 0
let next = 0
const result: BurstResult = { introduced: 0, wrong: 0, failed: 0, openMs: NaN, introducedMs: NaN }
const peerId = (i: number) => `bu${order.tag}-${i}`

function openOne(): void {
  const i = next++
  if (i >= order.sockets) return
  const socket = new WebSocket(`${order.url}/introduction/${peerId(i)}`, {
    perMessageDeflate: false,
    localAddress: `127.0.0.${2 + (i % order.addresses)}`,
  })
  sockets.push(socket)
  const partner = peerId(i ^ 1)
  let wasOpen = false
  socket.once('open', () => {
    wasOpen = true
    if (++opened === order.sockets) result.openMs = performance.now() - started
    socket.send(joinMessage(`bd${order.tag}-${i >> 1}`))
    openOne()
  })
  socket.once('message', data => {
    if (decodeIntroduction(data as Buffer).peerId === partner) result.introduced++
    else result.wrong++
    settle()
  })
  socket.once('error', () => {
    result.failed++
    settle()
    if (!wasOpen) openOne()
  })
}

function settle(): void {
  if (++settled < order.sockets) return
  result.introducedMs = performance.now() - started
  parentPort!.postMessage(result)
}

for (let i = 0; i < Math.min(order.concurrency, order.sockets); i++) openOne()

parentPort!.on('message', () => {
  for (const socket of sockets) socket.terminate()
  parentPort!.close()
})
