/**
 * Churn: short-lived connections, as when laptops sleep, wake and reconnect. A fixed number of
 * workers repeat a whole cycle back to back, so cycles per second and CPU per cycle include
 * accepting, registering, introducing, closing and forgetting.
 */
import type WebSocket from 'ws'
import type { Metrics, Probe, ScenarioOf } from '../types.js'
import { mark, windowMetrics } from './measure.js'
import { range } from './throughput.js'
import { closed, connect, connectionUrl, introductionUrl, joinMessage, nextMessage, sleep, uniqueTag } from './sockets.js'

/** Peer cycle: two peers connect, Join one document, are introduced, close. Counts peers. */
export function churnPeers(url: string, probe: Probe, spec: ScenarioOf<'churn-peers'>): Promise<Metrics> {
  return churn(probe, spec, 2, async (tag: string) => {
    const [sx, sy] = await Promise.all([connect(introductionUrl(url, `cx${tag}`)), connect(introductionUrl(url, `cy${tag}`))])
    const introduced = Promise.all([nextMessage(sx), nextMessage(sy)])
    const join = joinMessage(`c${tag}`)
    sx.send(join)
    sy.send(join)
    await introduced
    await closeBoth(sx, sy)
  })
}

/** Pipe cycle: both halves open, one message crosses, one side closes, the relay closes the other. */
export function churnPipes(url: string, probe: Probe, spec: ScenarioOf<'churn-pipes'>): Promise<Metrics> {
  const payload = Buffer.alloc(spec.size, 0x43)
  return churn(probe, spec, 1, async (tag: string) => {
    const [a, b] = [`pa${tag}`, `pb${tag}`]
    const [sa, sb] = await Promise.all([connect(connectionUrl(url, a, b, `q${tag}`)), connect(connectionUrl(url, b, a, `q${tag}`))])
    const arrived = nextMessage(sb)
    sa.send(payload)
    await arrived
    sa.close()
    await Promise.all([closed(sa), closed(sb)])
  })
}

async function closeBoth(x: WebSocket, y: WebSocket) {
  x.close()
  y.close()
  await Promise.all([closed(x), closed(y)])
}

async function churn(
  probe: Probe,
  spec: { concurrency: number; warmupMs: number; durationMs: number },
  unitsPerCycle: number,
  cycle: (tag: string) => Promise<void>,
): Promise<Metrics> {
  let done = 0
  let running = true
  let failure: unknown
  const worker = async () => {
    while (running) {
      try {
        await cycle(uniqueTag())
        done += unitsPerCycle
      } catch (error) {
        // One failed cycle stops every worker, so nothing keeps looping behind a failed run.
        failure ??= error
        running = false
      }
    }
  }
  const workers = Promise.all(range(spec.concurrency).map(worker))
  await sleep(spec.warmupMs)
  const start = await mark(probe, () => done)
  await sleep(spec.durationMs)
  const end = await mark(probe, () => done)
  running = false
  await workers
  if (failure) throw failure
  return windowMetrics(start, end, 'cycles')
}
