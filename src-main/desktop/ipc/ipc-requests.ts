/** How main reads what arrives on each channel from the window: one parser per channel, none forgotten. */
import type { InvokeChannel, RequestOf, SendChannel } from '../../../shared/ipc-schema.js'
import type { MonitorClientMessage } from '../../../shared/monitoring.js'
import { parseMonitorRequest } from '../../monitoring/monitor-requests.js'
import { accept, isPlainObject, refuse, type Parsed } from './parsed.js'
import { parseSettingsPatch } from '../settings/settings-patch.js'

export type RequestParsers = { [C in InvokeChannel | SendChannel]: (input: unknown) => Parsed<RequestOf<C>> }

const nothing = (input: unknown): Parsed<void> => (input === undefined ? accept(undefined) : refuse('This message takes no argument.'))

export const REQUEST_PARSERS: RequestParsers = {
  'settings:get': nothing,
  'settings:update': parseSettingsPatch,
  'relay:status': nothing,
  'relay:network-interfaces': nothing,
  'app:open-logs-folder': nothing,
  'app:shell': nothing,
  'app:quit': nothing,
  'monitor:subscribe': nothing,
  'monitor:unsubscribe': nothing,
  'monitor:request': parseAdminRequest,
}

/** The monitoring socket's own parser decides, so an admin action means the same on both transports. */
function parseAdminRequest(input: unknown): Parsed<MonitorClientMessage> {
  if (!isPlainObject(input)) return refuse('An admin action is an object.')
  let text: string
  try {
    text = JSON.stringify(input)
  } catch {
    return refuse('An admin action is plain data.')
  }
  const request = parseMonitorRequest(Buffer.from(text), false)
  return request ? accept(request) : refuse('Not an admin action this relay knows.')
}
