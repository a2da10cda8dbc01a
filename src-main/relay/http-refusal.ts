import http from 'node:http'
import type { Duplex } from 'node:stream'

/**
 * Answers an upgrade request that will not become a WebSocket: the HTTP status and a plain-text
 * body saying why, on the raw connection, which then closes. It is destroyed as soon as the
 * answer is written, so a client that never closes its side cannot hold the descriptor open.
 * Errors on the connection are the caller's (the relay drops every upgrade socket that errors).
 */
export function refuseHttp(socket: Duplex, status: number, body: string, headers: Record<string, string | number> = {}): void {
  let head =
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`
  socket.once('finish', () => socket.destroy())
  socket.end(`${head}\r\n${body}`)
}
