import type { RelayEvent } from '../../shared/relay-model.js'

/** One log line per event, for the terminal and the app's log file. Never includes a token. */
export function formatEvent(event: RelayEvent): string {
  const parts = [new Date(event.at).toISOString(), event.kind]
  if (event.refusal) parts.push(event.status ? `HTTP ${event.status} (${event.code})` : String(event.code))
  else if (event.code !== undefined) parts.push(String(event.code))
  if (event.reason) parts.push(event.reason)
  if (event.peerId !== undefined) parts.push(`peer=${event.peerId}`)
  if (event.otherPeerId !== undefined) parts.push(`other=${event.otherPeerId}`)
  if (event.documentIds) parts.push(`documents=${event.documentIds.length}`)
  if (event.address) parts.push(`from=${event.address}`)
  if (event.deviceName !== undefined) parts.push(`device=${JSON.stringify(event.deviceName)}`)
  return parts.join(' ')
}

/** Events worth a line even when the relay is not verbose: anything refused or contested. */
export const isNotable = (event: RelayEvent) => event.kind === 'refusal' || event.kind === 'collision' || event.kind === 'device-name-ignored'
