import { describe, expect, it } from 'vitest'
import type { MonitorUpdateMessage } from '../../shared/monitoring.js'
import type { PipeView, RelayEvent, RelaySnapshot } from '../../shared/relay-model.js'
import { applyMessage } from '../../src-renderer/model/apply-message.js'
import { INITIAL_STATE, type RelayState } from '../../src-renderer/model/relay-state.js'
import { MonitorFeed } from '../../src-main/monitoring/monitor-feed.js'
import { NOW, peer, pipe, snapshot, statsOf } from './fixtures.js'

/** A tiny deterministic random generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

/** A relay model that changes a little at each step, as the engine's does between publishes. */
class SimulatedRelay {
  readonly peers = new Map<string, ReturnType<typeof peer>>()
  readonly pipes = new Map<number, PipeView>()
  readonly events: RelayEvent[] = []
  private nextId = 1
  private seq = 0
  private at = NOW

  constructor(private readonly rand: () => number) {}

  step(): RelaySnapshot {
    this.at += 1_000
    const changes = Math.floor(this.rand() * 6)
    for (let i = 0; i < changes; i++) this.change()
    const documents = new Map<string, string[]>()
    for (const p of this.peers.values()) for (const d of p.documents) documents.set(d, [...(documents.get(d) ?? []), p.id])
    return structuredClone(
      snapshot({
        takenAt: this.at,
        peers: [...this.peers.values()],
        documents: [...documents].map(([id, peers]) => ({ id, peers })),
        pipes: [...this.pipes.values()],
        // The engine keeps a bounded log too.
        events: this.events.slice(-20),
      }),
    )
  }

  private change(): void {
    const r = this.rand()
    const peerIds = [...this.peers.keys()]
    const pipeIds = [...this.pipes.keys()]
    const any = <T>(list: T[]) => list[Math.floor(this.rand() * list.length)]
    if (r < 0.25 || peerIds.length < 2) {
      const id = `p${this.nextId++}`
      this.peers.set(id, peer(id, { documents: [`d${Math.floor(this.rand() * 4)}`] }))
      this.log('peer-connect', id)
    } else if (r < 0.35) {
      const id = any(peerIds)!
      this.peers.delete(id)
      this.log('peer-disconnect', id)
    } else if (r < 0.45) {
      const p = this.peers.get(any(peerIds)!)!
      this.peers.set(p.id, { ...p, documents: [...p.documents, `d${Math.floor(this.rand() * 8)}`] })
      this.log('join', p.id)
    } else if (r < 0.6) {
      const id = this.nextId++
      this.pipes.set(id, pipe(id, { state: 'waiting', liveSince: undefined, peers: [any(peerIds)!, any(peerIds)!] }))
      this.log('pipe-waiting')
    } else if (r < 0.7 && pipeIds.length > 0) {
      const p = this.pipes.get(any(pipeIds)!)!
      if (p.state === 'live') return
      this.pipes.set(p.id, { ...p, state: 'live', liveSince: this.at })
      this.log('pipe-open')
    } else if (r < 0.9 && pipeIds.length > 0) {
      const p = this.pipes.get(any(pipeIds)!)!
      const n = Math.floor(this.rand() * 1000)
      this.pipes.set(p.id, { ...p, bytes: [p.bytes[0] + n, p.bytes[1]], messages: [p.messages[0] + 1, p.messages[1]], bytesPerSecond: [n, 0], throttled: [n > 500, false] })
    } else if (pipeIds.length > 0) {
      this.pipes.delete(any(pipeIds)!)
      this.log('pipe-close')
    }
  }

  private log(kind: RelayEvent['kind'], peerId?: string): void {
    this.events.push({ seq: ++this.seq, at: this.at, kind, ...(peerId ? { peerId } : {}) })
  }
}

function expectMirrors(state: RelayState, relay: RelaySnapshot): void {
  expect([...state.peers.values()].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...relay.peers].sort((a, b) => a.id.localeCompare(b.id)))
  expect([...state.documents.values()].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...relay.documents].sort((a, b) => a.id.localeCompare(b.id)))
  expect([...state.pipes.values()].sort((a, b) => a.id - b.id)).toEqual([...relay.pipes].sort((a, b) => a.id - b.id))
  expect(state.stats?.counts).toEqual(relay.counts)
  const { takenAt, listening, urls, counts, totals, rates, peers, documents, pipes, events, ...parts } = relay
  expect(state.model).toEqual(parts)
  expect(state.events.at(-1)?.seq).toBe(relay.events.at(-1)?.seq)
}

describe('monitoring feed', () => {
  it.each([1, 2, 3, 4, 5])('keeps a dashboard that applies its updates identical to the relay model (seed %i), and so does one that joins later', seed => {
    const relay = new SimulatedRelay(random(seed))
    const feed = new MonitorFeed()
    feed.advance(relay.step())
    let early = applyMessage(INITIAL_STATE, feed.snapshotMessage(), NOW)
    let late: RelayState | undefined
    for (let step = 0; step < 200; step++) {
      const current = relay.step()
      const update = feed.advance(current)
      early = applyMessage(early, update, NOW)
      if (late) late = applyMessage(late, update, NOW)
      else if (step === 100) late = applyMessage(INITIAL_STATE, feed.snapshotMessage(), NOW)
      expectMirrors(early, current)
      if (late) expectMirrors(late, current)
    }
  })

  it('sends only what changed: counters of busy pipes as tuples, lists only when they change', () => {
    const feed = new MonitorFeed()
    const quiet = pipe(1)
    const busy = pipe(2, { bytes: [100, 0], messages: [1, 0] })
    const base = snapshot({ peers: [peer('alice'), peer('bob')], pipes: [quiet, busy] })
    feed.advance(base)
    const update: MonitorUpdateMessage = feed.advance({ ...base, pipes: [quiet, { ...busy, bytes: [250, 0], messages: [2, 0], bytesPerSecond: [150, 0] }] })
    expect(update).toEqual({ type: 'update', stats: expect.any(Object), pipeCounters: [[2, 250, 0, 2, 0, 150, 0, 0, 0]] })
    expect(feed.advance(base).pipeCounters).toEqual([[2, 100, 0, 1, 0, 0, 0, 0, 0]])
    expect(Object.keys(feed.advance(base))).toEqual(['type', 'stats'])
  })

  it('sends the other parts of the model (advertising, limits, ...) whole, and only when they changed', () => {
    const feed = new MonitorFeed()
    const base = snapshot()
    expect(Object.keys(feed.advance(base).parts ?? {}).sort()).toEqual(['access', 'addresses', 'advertising', 'limits', 'notOffered', 'startedAt', 'tls', 'version'])
    expect(feed.advance(structuredClone(base)).parts).toBeUndefined()
    const failing = { ...base, advertising: { ...base.advertising, state: 'error' as const, reason: 'port 5353 unavailable' } }
    expect(feed.advance(failing).parts).toEqual({ advertising: failing.advertising })
    let state = applyMessage(INITIAL_STATE, { type: 'snapshot', protocol: 1, snapshot: base }, NOW)
    state = applyMessage(state, { type: 'update', stats: statsOf(failing), parts: { advertising: failing.advertising } }, NOW)
    expect(state.model?.advertising.reason).toBe('port 5353 unavailable')
    expect(state.model?.version).toBe(base.version)
  })

  it('counts events that never reached the dashboard', () => {
    const feed = new MonitorFeed()
    const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, at: NOW, kind: 'join' as const }))
    feed.advance(snapshot({ events: events(1, 5) }))
    let state = applyMessage(INITIAL_STATE, feed.snapshotMessage(), NOW)
    // More happened between two publishes than the relay's log holds.
    state = applyMessage(state, feed.advance(snapshot({ events: events(30, 40) })), NOW)
    expect(state.events.map(e => e.seq)).toEqual([1, 2, 3, 4, 5, ...events(30, 40).map(e => e.seq)])
    expect(state.missedEvents).toBe(24)
  })
})
