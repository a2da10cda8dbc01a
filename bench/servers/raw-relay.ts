/**
 * The ceiling baseline: the two relay endpoints on plain `ws` with no limits, no accounting, no
 * backpressure and no validation beyond what keeps it alive. Whatever this costs per message is
 * what Node + ws cost; a real relay can only add to it or find a cheaper way to drive ws.
 */
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { pack, unpack } from 'msgpackr'
import type { RelayHandle } from './handle.js'

interface Waiting {
  socket: WebSocket
  held: Array<[RawData, boolean]>
}

export async function startRawRelay(): Promise<RelayHandle> {
  const peers = new Map<string, WebSocket>()
  const peerDocs = new Map<string, Set<string>>()
  const docPeers = new Map<string, Set<string>>()
  const waiting = new Map<string, Waiting>()
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })

  const introduce = (to: string, peerId: string, documentId: string) =>
    peers.get(to)?.send(pack({ type: 'Introduction', peerId, documentIds: [documentId] }))

  const onIntroduction = (socket: WebSocket, peerId: string) => {
    peers.set(peerId, socket)
    const mine = new Set<string>()
    peerDocs.set(peerId, mine)
    socket.on('message', (data: Buffer) => {
      let message: { type?: unknown; documentIds?: unknown }
      try {
        message = unpack(data)
      } catch {
        return
      }
      if (message?.type !== 'Join' || !Array.isArray(message.documentIds)) return
      for (const documentId of message.documentIds) {
        if (typeof documentId !== 'string' || mine.has(documentId)) continue
        mine.add(documentId)
        let others = docPeers.get(documentId)
        if (!others) docPeers.set(documentId, (others = new Set()))
        for (const other of others) {
          introduce(peerId, other, documentId)
          introduce(other, peerId, documentId)
        }
        others.add(peerId)
      }
    })
    socket.on('close', () => {
      if (peers.get(peerId) !== socket) return
      peers.delete(peerId)
      peerDocs.delete(peerId)
      for (const documentId of mine) {
        const others = docPeers.get(documentId)
        others?.delete(peerId)
        if (others?.size === 0) docPeers.delete(documentId)
      }
    })
  }

  const onConnection = (socket: WebSocket, me: string, them: string, doc: string) => {
    // NUL cannot appear in a decoded path segment, so the key cannot collide.
    const mineKey = `${me}\0${them}\0${doc}`
    const partnerKey = `${them}\0${me}\0${doc}`
    const partner = waiting.get(partnerKey)
    if (!partner) {
      const entry: Waiting = { socket, held: [] }
      waiting.set(mineKey, entry)
      const hold = (data: RawData, isBinary: boolean) => entry.held.push([data, isBinary])
      socket.on('message', hold)
      socket.once('close', () => {
        if (waiting.get(mineKey) === entry) waiting.delete(mineKey)
      })
      return
    }
    waiting.delete(partnerKey)
    partner.socket.removeAllListeners('message')
    for (const [data, isBinary] of partner.held) socket.send(data, { binary: isBinary })
    pipe(partner.socket, socket)
    pipe(socket, partner.socket)
  }

  wss.on('connection', (socket, request) => {
    socket.on('error', () => socket.terminate())
    const parts = (request.url ?? '').split('?')[0]!.split('/').filter(Boolean).map(safeDecode)
    if (parts[0] === 'introduction' && parts.length === 2) return onIntroduction(socket, parts[1]!)
    if (parts[0] === 'connection' && parts.length === 4) return onConnection(socket, parts[1]!, parts[2]!, parts[3]!)
    socket.close(4404, 'unknown path')
  })

  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve)
    wss.once('error', reject)
  })
  const { port } = wss.address() as { port: number }
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => resolve())
      }),
  }
}

function pipe(from: WebSocket, to: WebSocket) {
  from.on('message', (data, isBinary) => to.send(data, { binary: isBinary }))
  from.once('close', () => to.close())
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
