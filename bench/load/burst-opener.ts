/**
 * A worker thread of the load generator: opens the burst (burst-sockets.ts) and reports once every
 * peer has been introduced. It has its own event loop so that opening thousands of sockets does
 * not hold up the main thread's ping loop, which measures the relay's stall.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openBurst, type BurstOrder } from './burst-sockets.js'

const { sockets, settled } = openBurst(workerData as BurstOrder)
parentPort!.postMessage(await settled)
parentPort!.on('message', () => {
  for (const socket of sockets) socket.terminate()
  parentPort!.close()
})
