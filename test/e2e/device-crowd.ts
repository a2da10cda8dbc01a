/**
 * Devices on a LAN, played on one machine: peers open their sockets from loopback addresses
 * 127.0.1.1, 127.0.1.2, ... (one per device), join documents shared across devices, and keep one
 * live pipe per document. For the Map tab's test and bench.
 */
import { pack } from 'msgpackr'
import { WebSocket } from 'ws'

export interface DeviceCrowdSize {
  devices: number
  peersPerDevice: number
  documents: number
}

function open(url: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress, perMessageDeflate: false })
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

export class DeviceCrowd {
  private readonly sockets: WebSocket[] = []
  /** One end of each document's pipe. */
  private readonly senders: WebSocket[] = []
  private traffic: NodeJS.Timeout | undefined

  private constructor(readonly size: DeviceCrowdSize) {}

  /**
   * Peer k is on device k mod `devices` and joins two documents half the documents apart, spread
   * so that each document's peers are on different devices; each document gets one live pipe
   * between the first two peers that joined it.
   */
  static async gather(url: string, size: DeviceCrowdSize): Promise<DeviceCrowd> {
    const crowd = new DeviceCrowd(size)
    const peers = size.devices * size.peersPerDevice
    const addressOf = (k: number) => `127.0.1.${(k % size.devices) + 1}`
    const documentsOf = (k: number) => {
      const first = (7 * k + 13 * Math.floor(k / size.devices)) % size.documents
      return [first, (first + Math.floor(size.documents / 2)) % size.documents].map(d => `doc-${d}`)
    }
    const onDocument = new Map<string, number[]>()
    for (let k = 0; k < peers; k++) {
      const socket = await open(`${url}/introduction/peer-${k}`, addressOf(k))
      socket.send(pack({ type: 'Join', documentIds: documentsOf(k) }))
      crowd.sockets.push(socket)
      for (const d of documentsOf(k)) onDocument.set(d, [...(onDocument.get(d) ?? []), k])
    }
    for (const [document, [a, b]] of onDocument) {
      if (b === undefined) continue
      const sender = await open(`${url}/connection/peer-${a}/peer-${b}/${document}`, addressOf(a!))
      crowd.senders.push(sender)
      crowd.sockets.push(sender, await open(`${url}/connection/peer-${b}/peer-${a}/${document}`, addressOf(b)))
    }
    return crowd
  }

  /** Every pipe sends once a second, a different amount each time, so every rate changes every second. */
  startTraffic(): void {
    let tick = 0
    this.traffic = setInterval(() => {
      tick++
      this.senders.forEach((socket, i) => socket.send(Buffer.alloc(100 + ((i * 37 + tick * 101) % 5_000))))
    }, 1_000)
  }

  close(): void {
    clearInterval(this.traffic)
    for (const socket of this.sockets) socket.terminate()
  }
}
