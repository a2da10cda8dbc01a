import type { MonitorClientMessage } from '../../shared/monitoring.js'
import { MAX_ID_LENGTH } from '../../shared/protocol.js'

/** A dashboard's request, checked field by field; undefined for anything else. */
export function parseMonitorRequest(data: Buffer, isBinary: boolean): MonitorClientMessage | undefined {
  if (isBinary) return undefined
  let value: unknown
  try {
    value = JSON.parse(data.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { type, requestId, peerId, pipeId } = value as Record<string, unknown>
  if (!Number.isSafeInteger(requestId)) return undefined
  const id = requestId as number
  if (type === 'disconnect-peer' && typeof peerId === 'string' && peerId.length <= MAX_ID_LENGTH) {
    return { type, requestId: id, peerId }
  }
  if (type === 'close-pipe' && Number.isSafeInteger(pipeId)) return { type, requestId: id, pipeId: pipeId as number }
  if (type === 'clear-history') return { type, requestId: id }
  return undefined
}
