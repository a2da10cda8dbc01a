/**
 * Checks, from inside one test host's namespace, what a relay offers and whether it is reachable;
 * one JSON line per answer, then it exits. The argument is one JSON object:
 *   {"monitor":"http://127.0.0.1:8080"} → {"ev":"snapshot","urls":[...],"notOffered":[...]} (the model as the dashboard gets it)
 *   {"dial":["ws://10.0.0.5:8080", ...]} → {"ev":"dialed","url","ok","error"?} per URL (an introduction WebSocket)
 *   {"fetch":"http://..."}               → {"ev":"fetched","status","body"}
 */
import { WebSocket } from 'ws'
import { MonitorClient } from '../../dashboard/monitor-client.js'

const task = JSON.parse(process.argv[2] ?? '{}') as { monitor?: string; dial?: string[]; fetch?: string }
const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)

if (task.monitor) {
  const monitor = new MonitorClient(task.monitor)
  const { model, stats } = await monitor.waitFor(state => state.model !== undefined, 'the first snapshot')
  report({ ev: 'snapshot', urls: stats!.urls, notOffered: model!.notOffered })
  await monitor.close()
}
for (const [index, url] of (task.dial ?? []).entries()) {
  const outcome = await new Promise<{ ok: boolean; error?: string }>(resolve => {
    const socket = new WebSocket(`${url}/introduction/url-probe-${index}`)
    socket.once('open', () => {
      socket.close()
      resolve({ ok: true })
    })
    socket.once('error', (error: Error) => resolve({ ok: false, error: error.message }))
  })
  report({ ev: 'dialed', url, ...outcome })
}
if (task.fetch) {
  const response = await fetch(task.fetch)
  report({ ev: 'fetched', status: response.status, body: await response.text() })
}
report({ ev: 'done' })
