/**
 * Every way the relay refuses or ends a connection. An open socket is closed with `code` and a
 * reason that starts with `label`; a connection refused before the WebSocket opens gets the HTTP
 * `status` with the same code and reason in its body, because the published Client resets its
 * reconnect backoff whenever a socket opens, so closing an accepted socket would make it retry
 * every 10 ms.
 */
export const CLOSE = {
  /** The pipe's other side closed; this side is closed to match (the Client relies on it). */
  partnerClosed: { code: 1000, label: 'partner closed', status: 0 },
  shuttingDown: { code: 1001, label: 'relay shutting down', status: 503 },
  protocolError: { code: 1002, label: 'WebSocket protocol error', status: 0 },
  invalidData: { code: 1007, label: 'invalid UTF-8 in a text frame', status: 0 },
  tooBig: { code: 1009, label: 'message too big', status: 0 },
  malformed: { code: 4400, label: 'malformed message', status: 400 },
  unauthorized: { code: 4401, label: 'access token required', status: 401 },
  forbidden: { code: 4403, label: 'address not allowed', status: 403 },
  unknownPath: { code: 4404, label: 'unknown path', status: 404 },
  holdTimeout: { code: 4408, label: 'hold timeout', status: 0 },
  replaced: { code: 4409, label: 'replaced', status: 409 },
  peerIdInUse: { code: 4410, label: 'peer id in use', status: 409 },
  holdOverflow: { code: 4413, label: 'hold overflow', status: 0 },
  limitReached: { code: 4429, label: 'limit reached', status: 429 },
  penalty: { code: 4430, label: 'retry later', status: 429 },
  lockedOut: { code: 4431, label: 'too many failed attempts', status: 429 },
  adminClosed: { code: 4001, label: 'closed by the relay admin', status: 0 },
  deadSocket: { code: 1006, label: 'no answer to ping', status: 0 },
  // Refused before HTTP, so no close frame is ever sent: 1015 is WebSocket's own word for a failed TLS handshake.
  tlsHandshake: { code: 1015, label: 'TLS handshake failed', status: 0 },
  tlsOff: { code: 1015, label: 'TLS refused', status: 0 },
} as const

export type CloseKind = keyof typeof CLOSE

export function closeReason(kind: CloseKind, detail?: string): string {
  const label = CLOSE[kind].label
  // A close reason must fit in 123 bytes of UTF-8.
  const text = detail ? `${label}: ${detail}` : label
  return truncateUtf8(text, 123)
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  let cut = Math.min(text.length, maxBytes)
  while (Buffer.byteLength(text.slice(0, cut)) > maxBytes - 3) cut--
  return text.slice(0, cut) + '...'
}
