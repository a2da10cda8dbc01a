/**
 * Saturating traffic through relay pipes: each direction of each pipe keeps a fixed number of
 * messages in flight and sends a new one for each that arrives, so the relay is kept busy without
 * anything piling up in its buffers.
 */
import type { WebSocket } from 'ws'
import { openSocket } from './crowd.js'

export class PipeLoad {
  /** Messages that crossed the relay so far. */
  delivered = 0
  private running = true

  private constructor(private readonly sockets: WebSocket[]) {}

  static async start(url: string, { pairs, size, window }: { pairs: number; size: number; window: number }): Promise<PipeLoad> {
    const payload = Buffer.alloc(size, 0x42)
    const sockets: WebSocket[] = []
    for (let i = 0; i < pairs; i++) {
      const a = await openSocket(`${url}/connection/load-a-${i}/load-b-${i}/load-${i}`)
      const b = await openSocket(`${url}/connection/load-b-${i}/load-a-${i}/load-${i}`)
      sockets.push(a, b)
    }
    const load = new PipeLoad(sockets)
    for (let i = 0; i < sockets.length; i += 2) {
      const [a, b] = [sockets[i]!, sockets[i + 1]!]
      a.on('message', () => load.echo(b, payload))
      b.on('message', () => load.echo(a, payload))
    }
    // The relay sends nothing on a pipe until its first ping is answered (see pipes.ts).
    await new Promise(resolve => setTimeout(resolve, 200))
    for (const socket of sockets) for (let n = 0; n < window; n++) socket.send(payload)
    return load
  }

  stop(): void {
    this.running = false
    for (const socket of this.sockets) socket.terminate()
  }

  private echo(to: WebSocket, payload: Buffer): void {
    this.delivered++
    if (this.running) to.send(payload)
  }
}
