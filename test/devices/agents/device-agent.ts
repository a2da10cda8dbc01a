/**
 * A test host's part in the device tests (run inside a network namespace), one JSON object per line
 * on stdout:
 *
 *   device-agent.ts monitor BASE_URL          → {"ev":"devices","devices":[...]} whenever the
 *                                               relay's devices change (its own machine: no token)
 *   device-agent.ts visit WS_URL TIMES ADDR…  → from each local address ADDR in turn, TIMES
 *                                               introduction sockets opened and closed one after
 *                                               another, then {"ev":"visited"}
 *   device-agent.ts stay WS_URL PEER_ID [ADDR] → one introduction socket left open (from local
 *                                               address ADDR if given): {"ev":"open"}
 */
import { WebSocket } from 'ws'
import { MonitorClient } from '../../dashboard/monitor-client.js'

const report = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, at: Date.now() })}\n`)

async function openAndClose(url: string, localAddress: string | undefined, close: boolean): Promise<void> {
  const socket = new WebSocket(url, localAddress ? { localAddress } : {})
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  if (!close) return
  const closed = new Promise<void>(resolve => socket.once('close', () => resolve()))
  socket.close()
  await closed
}

const [mode, url, ...rest] = process.argv.slice(2)
if (mode === 'monitor') {
  const monitor = new MonitorClient(url!)
  let last = ''
  monitor.socket.on('message', () => {
    const devices = JSON.stringify([...monitor.state.devices.values()])
    if (devices !== last) report({ ev: 'devices', devices: JSON.parse(devices) as unknown })
    last = devices
  })
} else if (mode === 'visit') {
  const [times, ...addresses] = rest
  for (const address of addresses) {
    for (let i = 0; i < Number(times); i++) await openAndClose(`${url}/introduction/visit-${address}-${i}`, address, true)
  }
  report({ ev: 'visited' })
} else if (mode === 'stay') {
  await openAndClose(`${url}/introduction/${rest[0]}`, rest[1], false)
  report({ ev: 'open' })
} else {
  throw new Error(`unknown mode ${mode}`)
}
