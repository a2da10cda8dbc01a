/**
 * What the Map tab costs at the size it is built for: 50 devices (loopback addresses 127.0.1.1 to
 * 127.0.1.50, three peers each) sharing 100 documents over 100 live pipes, with traffic on every
 * pipe changing once a second, so the dashboard gets an update about every second. Measured in
 * Chromium with the Map tab open: each update's work (from the feed message to the end of the
 * task that applied and rendered it) and the gaps between animation frames. A bench child
 * process; it sends its figures to the orchestrator.
 */
import { pack } from 'msgpackr'
import { WebSocket } from 'ws'
import { DashboardExtension } from '../src-main/monitoring/dashboard-extension.js'
import { openBrowser } from '../test/e2e/chromium.js'
import { startRelay } from '../test/helpers/relay.js'

export const MAP_SCALE = { devices: 50, peersPerDevice: 3, documents: 100 }
const WATCH_MS = 20_000

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

function open(url: string, localAddress: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress, perMessageDeflate: false })
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

const { relay, url, port } = await startRelay({ maxConnectionsPerAddress: 20_000, connectionsPerAddressPerSecond: 20_000 })
relay.use(new DashboardExtension(relay))
const sockets: WebSocket[] = []
const senders: WebSocket[] = []
let traffic: NodeJS.Timeout | undefined
try {
  // Peer k is on device k mod 50 and joins two documents 50 apart, spread so that each document
  // has three peers on three different devices.
  const peerCount = MAP_SCALE.devices * MAP_SCALE.peersPerDevice
  const addressOf = (k: number) => `127.0.1.${(k % MAP_SCALE.devices) + 1}`
  const documentsOf = (k: number) => {
    const first = (7 * k + 13 * Math.floor(k / MAP_SCALE.devices)) % MAP_SCALE.documents
    return [first, (first + MAP_SCALE.documents / 2) % MAP_SCALE.documents].map(d => `doc-${d}`)
  }
  for (let k = 0; k < peerCount; k++) {
    const socket = await open(`${url}/introduction/peer-${k}`, addressOf(k))
    socket.send(pack({ type: 'Join', documentIds: documentsOf(k) }))
    sockets.push(socket)
  }
  // One live pipe per document, between the first two peers that joined it (on two devices).
  const onDocument = new Map<string, number[]>()
  for (let k = 0; k < peerCount; k++) for (const d of documentsOf(k)) onDocument.set(d, [...(onDocument.get(d) ?? []), k])
  for (const [document, [a, b]] of onDocument) {
    senders.push(await open(`${url}/connection/peer-${a}/peer-${b}/${document}`, addressOf(a!)))
    sockets.push(senders.at(-1)!, await open(`${url}/connection/peer-${b}/peer-${a}/${document}`, addressOf(b!)))
  }
  let tick = 0
  traffic = setInterval(() => {
    tick++
    // Each pipe sends a different amount each second, so every line's width and every rate change.
    senders.forEach((socket, i) => socket.send(Buffer.alloc(100 + ((i * 37 + tick * 101) % 5_000))))
  }, 1_000)

  const session = await openBrowser()
  try {
    const { page } = session
    await page.addInitScript(() => {
      const updates: number[] = []
      ;(window as unknown as { __updates: number[] }).__updates = updates
      const Original = window.WebSocket
      // Listens before the dashboard does, so the time starts when the message arrives; the timeout
      // runs once that task, and the render it triggered, are over.
      window.WebSocket = class extends Original {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols)
          this.addEventListener('message', () => {
            const at = performance.now()
            setTimeout(() => updates.push(performance.now() - at), 0)
          })
        }
      }
    })
    await page.goto(`http://127.0.0.1:${port}/#map`)
    await page.getByRole('img', { name: /^Map of 50 devices on 100 documents/ }).waitFor({ timeout: 30_000 })
    await page.waitForTimeout(2_000)
    const watched = await page.evaluate(async ms => {
      const updates = (window as unknown as { __updates: number[] }).__updates
      updates.length = 0
      const frames: number[] = []
      const started = performance.now()
      await new Promise<void>(resolve => {
        const frame = (now: number) => {
          frames.push(now)
          if (now - started < ms) requestAnimationFrame(frame)
          else resolve()
        }
        requestAnimationFrame(frame)
      })
      return { updates: [...updates], gaps: frames.slice(1).map((at, i) => at - frames[i]!) }
    }, WATCH_MS)
    const counts = await page.evaluate(() => ({ hubs: document.querySelectorAll('g.hub').length, devices: document.querySelectorAll('g.device').length, lines: document.querySelectorAll('line.edge').length }))
    process.send?.({
      figures: {
        mapDevices: counts.devices,
        mapHubs: counts.hubs,
        mapLines: counts.lines,
        mapUpdates: watched.updates.length,
        mapUpdateP50Ms: percentile(watched.updates, 50),
        mapUpdateP99Ms: percentile(watched.updates, 99),
        mapUpdateMaxMs: Math.max(...watched.updates),
        mapFrameP50Ms: percentile(watched.gaps, 50),
        mapFrameP99Ms: percentile(watched.gaps, 99),
        mapFrameMaxMs: Math.max(...watched.gaps),
        // A gap of more than one and a half 60 Hz frames is a frame that was not drawn in time.
        mapFramesDropped: watched.gaps.filter(gap => gap > 25).length,
        mapFrames: watched.gaps.length,
      },
    })
  } finally {
    await session.close()
  }
} finally {
  clearInterval(traffic)
  for (const socket of sockets) socket.terminate()
  await relay.close()
}
