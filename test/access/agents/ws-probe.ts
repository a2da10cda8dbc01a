/**
 * Run inside a test host's namespace: opens one WebSocket (ws:// URL) or sends one GET (http:// URL)
 * and prints what became of it as one JSON line — {"open":true} or {"status":403,"body":"..."}.
 */
import { WebSocket } from 'ws'

const url = process.argv[2]!
const report = (result: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}
if (url.startsWith('http')) {
  const response = await fetch(url)
  report({ status: response.status, body: (await response.text()).trimEnd() })
}
const socket = new WebSocket(url)
socket.on('open', () => report({ open: true }))
socket.on('unexpected-response', (_req, res) => {
  let body = ''
  res.setEncoding('utf8')
  res.on('data', (chunk: string) => (body += chunk))
  res.on('end', () => report({ status: res.statusCode, body: body.trimEnd() }))
})
socket.on('error', error => report({ error: error.message }))
