/**
 * Thousands of real peers on a relay: introduction sockets that join documents, pipes between
 * them, a trickle of traffic and a steady churn of peers, so the dashboard has a big, busy model.
 */
import { pack } from 'msgpackr'
import { WebSocket } from 'ws'

export interface CrowdSize {
  peers: number
  documents: number
  pipes: number
}

const BATCH = 250

/** A WebSocket to the relay, once it is open. */
export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false })
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let start = 0; start < count; start += BATCH) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => make(start + i)))))
  }
  return out
}

export class Crowd {
  private readonly sockets = new Set<WebSocket>()
  private readonly timers: NodeJS.Timeout[] = []
  private nextChurnId = 0

  private constructor(
    private readonly url: string,
    readonly size: CrowdSize,
  ) {}

  /** Peer `i` joins document `i % documents`; pipe `k` links peers k and k + documents, which share one. */
  static async gather(url: string, size: CrowdSize): Promise<Crowd> {
    const crowd = new Crowd(url, size)
    await inBatches(size.peers, i => crowd.join(`peer-${String(i).padStart(5, '0')}`, `doc-${i % size.documents}`))
    crowd.pipeSockets = await inBatches(size.pipes, async k => {
      const [a, b] = [`peer-${String(k).padStart(5, '0')}`, `peer-${String(k + size.documents).padStart(5, '0')}`]
      const document = `doc-${k % size.documents}`
      const first = await crowd.track(openSocket(`${url}/connection/${a}/${b}/${document}`))
      await crowd.track(openSocket(`${url}/connection/${b}/${a}/${document}`))
      return first
    })
    return crowd
  }

  private pipeSockets: WebSocket[] = []

  /** `pipes` pipes each send `bytes` every 100 ms; `peersPerSecond` peers leave and others arrive. */
  startActivity({ pipes, bytes, peersPerSecond }: { pipes: number; bytes: number; peersPerSecond: number }): void {
    const payload = Buffer.alloc(bytes, 0x61)
    this.timers.push(
      setInterval(() => {
        for (const socket of this.pipeSockets.slice(0, pipes)) if (socket.readyState === WebSocket.OPEN) socket.send(payload)
      }, 100),
      setInterval(() => {
        for (let i = 0; i < peersPerSecond / 10; i++) {
          const id = this.nextChurnId++
          void this.join(`churn-${id}`, `doc-${id % this.size.documents}`).then(socket => setTimeout(() => socket.close(), 1_000))
        }
      }, 100),
    )
  }

  stopActivity(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer)
  }

  close(): void {
    this.stopActivity()
    for (const socket of this.sockets) socket.terminate()
  }

  private async join(peerId: string, documentId: string): Promise<WebSocket> {
    const socket = await this.track(openSocket(`${this.url}/introduction/${peerId}`))
    socket.send(pack({ type: 'Join', documentIds: [documentId] }))
    return socket
  }

  private async track(opening: Promise<WebSocket>): Promise<WebSocket> {
    const socket = await opening
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    return socket
  }
}
