/**
 * Introductions. In pairs: half the peers connect, then Join in pairs (each pair on its own
 * document); then the other half connects and Joins the same way. Only the Joins are timed. With
 * twice the peers online during the second half, its CPU per Join over the first half's shows
 * whether a Join costs more when more peers are online. On one document: every peer must be
 * introduced to every other, so the work is quadratic by nature and measures the introduction
 * path itself.
 */
import type WebSocket from 'ws'
import type { Metrics, Probe, ScenarioOf } from '../types.js'
import { mark, type Mark } from './measure.js'
import { range } from './throughput.js'
import { closeAll, connect, decodeIntroduction, inBatches, introductionUrl, joinMessage, uniqueTag } from './sockets.js'

const CONNECT_CONCURRENCY = 32
const JOIN_TIMEOUT_MS = 60_000

export async function introductionsInPairs(url: string, probe: Probe, spec: ScenarioOf<'intro-pairs'>): Promise<Metrics> {
  const tag = uniqueTag()
  const pairs = Math.floor(spec.peers / 2)
  const half = Math.floor(pairs / 2)
  const sockets: WebSocket[] = []
  let introduced = 0

  const connectPairs = (from: number, to: number) =>
    inBatches(range(to - from), CONNECT_CONCURRENCY, async i => {
      const k = from + i
      const pair = await Promise.all([connect(introductionUrl(url, `x${tag}-${k}`)), connect(introductionUrl(url, `y${tag}-${k}`))])
      sockets.push(...pair)
      return pair
    })

  /** Sends every pair's Joins at once and resolves when every peer has met its partner. */
  const joinAll = (connected: WebSocket[][], from: number) =>
    new Promise<void>((resolve, reject) => {
      let pending = connected.length * 2
      const timer = setTimeout(() => reject(new Error(`${pending} peers were not introduced within 60 s`)), JOIN_TIMEOUT_MS)
      connected.forEach(([sx, sy], i) => {
        const k = from + i
        const expect = (socket: WebSocket, partner: string) =>
          socket.once('message', data => {
            if (decodeIntroduction(data).peerId !== partner) return reject(new Error(`pair ${k} was introduced to the wrong peer`))
            introduced++
            if (--pending === 0) {
              clearTimeout(timer)
              resolve()
            }
          })
        expect(sx!, `y${tag}-${k}`)
        expect(sy!, `x${tag}-${k}`)
        const join = joinMessage(`p${tag}-${k}`)
        sx!.send(join)
        sy!.send(join)
      })
    })

  const timed = async (connected: WebSocket[][], from: number): Promise<[Mark, Mark]> => {
    // Garbage from accepting the connections is collected now, not charged to the Joins.
    await probe.statsAfterGc()
    const start = await mark(probe, () => introduced)
    await joinAll(connected, from)
    return [start, await mark(probe, () => introduced)]
  }

  // A throwaway round first: V8 takes a couple of thousand Joins to optimise the path, and the
  // first half would otherwise pay for that alone. Its peers leave before the timed rounds.
  const warmup = Math.min(1000, half)
  await joinAll(await connectPairs(pairs, pairs + warmup), pairs)
  await closeAll(sockets.splice(0))
  const [firstStart, firstEnd] = await timed(await connectPairs(0, half), 0)
  const [secondStart, secondEnd] = await timed(await connectPairs(half, pairs), half)
  await closeAll(sockets)

  const cpuPerJoin = (a: Mark, b: Mark) => (b.server.cpuUs - a.server.cpuUs) / (b.count - a.count)
  const joins = firstEnd.count - firstStart.count + secondEnd.count - secondStart.count
  const joinMs = firstEnd.at - firstStart.at + secondEnd.at - secondStart.at
  return {
    totalMs: joinMs,
    joinsPerSec: (joins * 1000) / joinMs,
    serverCpuUsPerJoin: (firstEnd.server.cpuUs - firstStart.server.cpuUs + secondEnd.server.cpuUs - secondStart.server.cpuUs) / joins,
    joinCostGrowth: cpuPerJoin(secondStart, secondEnd) / cpuPerJoin(firstStart, firstEnd),
  }
}

export async function introductionsOnOneDocument(url: string, probe: Probe, spec: ScenarioOf<'intro-one-doc'>): Promise<Metrics> {
  const tag = uniqueTag()
  const ids = range(spec.peers).map(i => `o${tag}-${i}`)
  const sockets = await inBatches(ids, CONNECT_CONCURRENCY, id => connect(introductionUrl(url, id)))
  const expected = spec.peers - 1
  let introductions = 0
  let complete = 0
  const everyoneMet = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${complete} of ${spec.peers} peers met everyone within 60 s`)), 60_000)
    sockets.forEach(socket => {
      const met = new Set<string>()
      socket.on('message', data => {
        introductions++
        met.add(decodeIntroduction(data).peerId)
        if (met.size === expected && ++complete === spec.peers) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
  })
  const doc = `one${tag}`
  const join = joinMessage(doc)
  const start = await mark(probe, () => introductions)
  for (const socket of sockets) socket.send(join)
  await everyoneMet
  const end = await mark(probe, () => introductions)
  await closeAll(sockets)
  return {
    totalMs: end.at - start.at,
    introductionsPerSec: ((end.count - start.count) * 1000) / (end.at - start.at),
    serverCpuUsPerIntroduction: (end.server.cpuUs - start.server.cpuUs) / (end.count - start.count),
    serverCpuMs: (end.server.cpuUs - start.server.cpuUs) / 1000,
  }
}
