/**
 * A burst of introduction sockets spread over many loopback source addresses, each pair Joining a
 * document of its own; settles once every socket was introduced (or failed). Used by the bench's
 * burst row (from a worker thread) and by the test that checks every introduction in a burst.
 */
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
  /** Sockets whose one Introduction named their partner and their document. */
  introduced: number
  wrong: number
  failed: number
  openMs: number
  introducedMs: number
}

export const burstPeerId = (tag: string, i: number) => `bu${tag}-${i}`
export const burstDocumentId = (tag: string, i: number) => `bd${tag}-${i >> 1}`

export function openBurst(order: BurstOrder): { sockets: WebSocket[]; settled: Promise<BurstResult> } {
  const sockets: WebSocket[] = []
  const started = performance.now()
  const result: BurstResult = { introduced: 0, wrong: 0, failed: 0, openMs: NaN, introducedMs: NaN }
  let opened = 0
  let settledCount = 0
  let next = 0
  let settle!: (result: BurstResult) => void
  const settled = new Promise<BurstResult>(resolve => (settle = resolve))

  const done = () => {
    if (++settledCount < order.sockets) return
    result.introducedMs = performance.now() - started
    settle(result)
  }

  const openOne = (): void => {
    const i = next++
    if (i >= order.sockets) return
    const socket = new WebSocket(`${order.url}/introduction/${burstPeerId(order.tag, i)}`, {
      perMessageDeflate: false,
      localAddress: `127.0.0.${2 + (i % order.addresses)}`,
    })
    sockets.push(socket)
    const partner = burstPeerId(order.tag, i ^ 1)
    const documentId = burstDocumentId(order.tag, i)
    let wasOpen = false
    socket.once('open', () => {
      wasOpen = true
      if (++opened === order.sockets) result.openMs = performance.now() - started
      socket.send(joinMessage(documentId))
      openOne()
    })
    socket.once('message', data => {
      const introduction = decodeIntroduction(data as Buffer)
      const right = introduction.type === 'Introduction' && introduction.peerId === partner && introduction.documentIds.length === 1 && introduction.documentIds[0] === documentId
      if (right) result.introduced++
      else result.wrong++
      done()
    })
    socket.once('error', () => {
      result.failed++
      done()
      if (!wasOpen) openOne()
    })
  }
  for (let i = 0; i < Math.min(order.concurrency, order.sockets); i++) openOne()
  return { sockets, settled }
}
