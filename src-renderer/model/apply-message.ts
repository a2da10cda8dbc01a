import { withCounters, type ListChanges, type MonitorServerMessage, type MonitorStats } from '../../shared/monitoring.js'
import type { RelayEvent } from '../../shared/relay-model.js'
import { MAX_EVENTS, THROUGHPUT_SAMPLES, type RelayState, type ThroughputSample } from './relay-state.js'

/** Rates change once a second on the relay; extra updates in between add no chart point. */
const MIN_SAMPLE_SPACING_MS = 900

/** The state after one message from the feed; `receivedAt` is the local time it arrived. */
export function applyMessage(state: RelayState, message: MonitorServerMessage, receivedAt: number): RelayState {
  switch (message.type) {
    case 'snapshot': {
      const { takenAt, listening, urls, counts, totals, rates, peers, documents, pipes, events, devices, ...model } = message.snapshot
      const stats: MonitorStats = { takenAt, listening, urls, counts, totals, rates }
      return {
        ...state,
        clockOffsetMs: takenAt - receivedAt,
        model,
        stats,
        peers: new Map(peers.map(peer => [peer.id, peer])),
        documents: new Map(documents.map(document => [document.id, document])),
        pipes: new Map(pipes.map(pipe => [pipe.id, pipe])),
        devices: new Map(devices.map(device => [device.address, device])),
        events: events.slice(-MAX_EVENTS),
        throughput: addSample(state.throughput, stats),
      }
    }
    case 'update': {
      const next: RelayState = {
        ...state,
        clockOffsetMs: message.stats.takenAt - receivedAt,
        stats: message.stats,
        throughput: addSample(state.throughput, message.stats),
      }
      if (message.parts && state.model) next.model = { ...state.model, ...message.parts }
      if (message.peers) next.peers = applyChanges(state.peers, message.peers, peer => peer.id)
      if (message.documents) next.documents = applyChanges(state.documents, message.documents, document => document.id)
      if (message.devices) next.devices = applyChanges(state.devices, message.devices, device => device.address)
      if (message.pipes || message.pipeCounters) {
        const pipes = message.pipes ? applyChanges(state.pipes, message.pipes, pipe => pipe.id) : new Map(state.pipes)
        for (const counters of message.pipeCounters ?? []) {
          const pipe = pipes.get(counters[0])
          if (pipe) pipes.set(pipe.id, withCounters(pipe, counters))
        }
        next.pipes = pipes
      }
      if (message.events) {
        const { events, missed } = appendEvents(state.events, message.events)
        next.events = events
        next.missedEvents = state.missedEvents + missed
      }
      return next
    }
    case 'action-result':
      return state
  }
}

function applyChanges<T, K>(current: ReadonlyMap<K, T>, changes: ListChanges<T, K>, keyOf: (item: T) => K): Map<K, T> {
  const next = new Map(current)
  for (const key of changes.removed) next.delete(key)
  for (const item of changes.upserted) next.set(keyOf(item), item)
  return next
}

function appendEvents(current: readonly RelayEvent[], incoming: RelayEvent[]): { events: RelayEvent[]; missed: number } {
  const lastSeq = current.at(-1)?.seq ?? 0
  const fresh = incoming.filter(event => event.seq > lastSeq)
  const missed = lastSeq > 0 && fresh.length > 0 ? fresh[0]!.seq - lastSeq - 1 : 0
  const events = current.length + fresh.length > MAX_EVENTS ? [...current, ...fresh].slice(-MAX_EVENTS) : [...current, ...fresh]
  return { events, missed }
}

function addSample(samples: readonly ThroughputSample[], stats: MonitorStats): readonly ThroughputSample[] {
  const last = samples.at(-1)
  if (last && stats.takenAt - last.at < MIN_SAMPLE_SPACING_MS) return samples
  const sample = { at: stats.takenAt, bytesPerSecond: stats.rates.bytesPerSecond, messagesPerSecond: stats.rates.messagesPerSecond }
  return [...samples.slice(-(THROUGHPUT_SAMPLES - 1)), sample]
}
