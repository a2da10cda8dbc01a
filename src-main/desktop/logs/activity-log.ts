/** What the app writes to its log file: the relay's life, its notable events, settings changes. */
import type { DesktopSettings, RelayStatus } from '../../../shared/ipc-schema.js'
import type { AdvertisingOffReason, AdvertisingView } from '../../../shared/relay-model.js'
import { advertisingLogger } from '../../node/advertising-log.js'
import { eventLogger } from '../../node/event-logger.js'
import type { LogFile } from './log-file.js'
import type { RelayLifecycle } from '../relay/relay-lifecycle.js'

type Log = Pick<LogFile, 'write' | 'append'>

export function logLifecycle(lifecycle: RelayLifecycle, log: Log): void {
  let lastLine: string | undefined
  lifecycle.on('status', status => {
    // Peer counts change all the time; the log keeps to what the relay is doing.
    const line = describeStatus(status)
    if (line !== lastLine) log.write(line)
    lastLine = line
  })
  lifecycle.on('problem', message => log.write(message))
  lifecycle.on('relay-log', (kind, text) => (kind === 'append' ? log.append(text) : log.write(text)))
  lifecycle.on('relay', relay =>
    relay.on(
      'event',
      eventLogger({ verbose: false, line: text => log.append(text), skipped: count => log.write(`(${count} more relay events not logged)`) }),
    ),
  )
  const write = (line: string) => log.write(line)
  lifecycle.on('advertising', advertisingLogger({ info: write, error: write, offReason: offReasonWords }))
}

/** Why advertising is off, in the terms of the app's settings. */
function offReasonWords(reason: AdvertisingOffReason, view: AdvertisingView): string {
  switch (reason) {
    case 'disabled':
      return 'turned off in Settings'
    case 'loopback-only':
      return 'listening on this computer only; choose "Every interface" under Listen on in Settings to be found on the LAN'
    case 'not-running':
      return view.reason ?? reason
  }
}

export function describeStatus(status: RelayStatus): string {
  switch (status.phase) {
    case 'starting':
      return status.restart ? `relay restarting on port ${status.port} (${status.restart.join(' and ')} changed)` : `relay starting on port ${status.port}`
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
