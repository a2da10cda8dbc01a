import { pack, unpack } from 'msgpackr'
import { MAX_ID_LENGTH, type ClientControlMessage, type IntroductionMessage } from '../../shared/protocol.js'

export type DecodeResult = { ok: true; message: ClientControlMessage } | { ok: false; reason: string }

/**
 * Decodes and validates one control frame. Anything the published Client would not send is
 * rejected here, so the registries only ever see well-formed Join/Leave/Heartbeat.
 */
export function decodeControlMessage(data: Buffer, isBinary: boolean, maxDocuments: number): DecodeResult {
  if (!isBinary) return { ok: false, reason: 'control messages are binary MessagePack frames' }
  let value: unknown
  try {
    value = unpack(data)
  } catch {
    return { ok: false, reason: 'not valid MessagePack' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'expected a map with a "type"' }
  }
  const type = (value as { type?: unknown }).type
  if (type === 'Heartbeat' || type === '❤️') return { ok: true, message: { type } }
  if (type !== 'Join' && type !== 'Leave') {
    return { ok: false, reason: `unknown type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type}` }
  }
  const documentIds = (value as { documentIds?: unknown }).documentIds
  if (!Array.isArray(documentIds)) return { ok: false, reason: `${type}.documentIds must be an array` }
  if (documentIds.length > maxDocuments) {
    return { ok: false, reason: `${type} names ${documentIds.length} documents, more than the ${maxDocuments} allowed` }
  }
  for (const id of documentIds) {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      return { ok: false, reason: `${type}.documentIds must hold non-empty strings of at most ${MAX_ID_LENGTH} characters` }
    }
  }
  return { ok: true, message: { type, documentIds: documentIds as string[] } }
}

export function encodeIntroduction(peerId: string, documentIds: string[]): Buffer {
  const message: IntroductionMessage = { type: 'Introduction', peerId, documentIds }
  return pack(message)
}
