/** What the app writes to its log file: the relay's life, its notable events, settings changes. */
import type { DesktopSettings, RelayStatus } from '../../shared/ipc-schema.js'
import type { RelayEvent } from '../../shared/relay-model.js'
import { formatEvent, isNotable } from '../relay/event-format.js'
import type { LogFile } from './log-file.js'
import type { RelayLifecycle } from './relay-lifecycle.js'

type Log = Pick<LogFile, 'write' | 'append'>

/** Event lines per second before the rest are only counted, so a flood of refusals cannot fill the disk. */
const EVENT_LINES_PER_SECOND = 50

export function logLifecycle(lifecycle: RelayLifecycle, log: Log): void {
  let lastLine: string | undefined
  lifecycle.on('status', status => {
    // Peer counts change all the time; the log keeps to what the relay is doing.
    const line = describeStatus(status)
    if (line !== lastLine) log.write(line)
    lastLine = line
  })
  lifecycle.on('problem', message => log.write(message))
  lifecycle.on('relay', relay => relay.on('event', eventLogger(log)))
}

export function describeStatus(status: RelayStatus): string {
  switch (status.phase) {
    case 'starting':
      return `relay starting on port ${status.port}`
    case 'running':
      return `relay running: ${status.urls.join(', ')}`
    case 'paused':
      return 'relay paused'
    case 'error':
      return `relay not running: ${status.message}`
    case 'stopped':
      return 'relay stopped'
  }
}

/** Names what changed, never the values: the admin token must not end up in a log. */
export function describeSettingsChange(next: DesktopSettings, previous: DesktopSettings): string | undefined {
  const changed = (Object.keys(next) as (keyof DesktopSettings)[]).filter(name => JSON.stringify(next[name]) !== JSON.stringify(previous[name]))
  return changed.length > 0 ? `settings changed: ${changed.join(', ')}` : undefined
}

function eventLogger(log: Log): (event: RelayEvent) => void {
  let windowStart = Date.now()
  let written = 0
  let skipped = 0
  return event => {
    if (!isNotable(event)) return
    const at = Date.now()
    if (at - windowStart >= 1000) {
      if (skipped > 0) log.write(`(${skipped} more relay events not logged)`)
      windowStart = at
      written = 0
      skipped = 0
    }
    if (written++ < EVENT_LINES_PER_SECOND) log.append(formatEvent(event))
    else skipped++
  }
}
