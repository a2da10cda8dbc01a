import type { PipeView } from '../../shared/relay-model.js'

export interface Traffic {
  livePipes: number
  waitingPipes: number
  /** Both directions. */
  bytes: number
  bytesPerSecond: number
}

const none = (): Traffic => ({ livePipes: 0, waitingPipes: 0, bytes: 0, bytesPerSecond: 0 })

/** Each peer's pipes and what they carried, in one pass over the pipes. */
export function trafficByPeer(pipes: ReadonlyMap<number, PipeView>): Map<string, Traffic> {
  const byPeer = new Map<string, Traffic>()
  for (const pipe of pipes.values()) {
    for (const peerId of new Set(pipe.peers)) add(byPeer, peerId, pipe)
  }
  return byPeer
}

/** Each document's pipes and what they carried. */
export function trafficByDocument(pipes: ReadonlyMap<number, PipeView>): Map<string, Traffic> {
  const byDocument = new Map<string, Traffic>()
  for (const pipe of pipes.values()) add(byDocument, pipe.documentId, pipe)
  return byDocument
}

export const NO_TRAFFIC: Readonly<Traffic> = none()

function add(totals: Map<string, Traffic>, key: string, pipe: PipeView): void {
  let traffic = totals.get(key)
  if (!traffic) totals.set(key, (traffic = none()))
  if (pipe.state === 'live') traffic.livePipes++
  else traffic.waitingPipes++
  traffic.bytes += pipe.bytes[0] + pipe.bytes[1]
  traffic.bytesPerSecond += pipe.bytesPerSecond[0] + pipe.bytesPerSecond[1]
}
