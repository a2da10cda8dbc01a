/** Log lines about LAN discovery: what changed between two views of the model. */
import type { AdvertisingOffReason, AdvertisingView } from '../../shared/relay-model.js'

export interface AdvertisingLines {
  info: string[]
  errors: string[]
}

/** The front end's words for an off reason (a flag for the CLI, a setting for the app). */
export type OffReasonWords = (reason: AdvertisingOffReason, view: AdvertisingView) => string

export function describeAdvertisingChange(before: AdvertisingView | undefined, after: AdvertisingView, offWords: OffReasonWords): AdvertisingLines {
  const info: string[] = []
  const errors: string[] = []
  const status = statusLine(after, offWords)
  if (status !== (before && statusLine(before, offWords))) (after.state === 'error' ? errors : info).push(status)
  const printed = new Set(before?.errors.map(errorKey))
  for (const error of after.errors) if (!printed.has(errorKey(error))) errors.push(`mDNS: ${error.message}`)
  const { name } = after.wellKnownName
  if (holdsWellKnown(after) !== holdsWellKnown(before)) info.push(holdsWellKnown(after) ? `mDNS: answering for ${name} (clients pick this relay)` : `mDNS: no longer answering for ${name}`)
  const others = othersLine(after)
  if (others !== (before ? othersLine(before) : othersLine({ ...after, otherRelays: [] }))) info.push(others)
  return { info, errors }
}

const errorKey = (error: { at: number; message: string }) => `${error.at} ${error.message}`

function statusLine(view: AdvertisingView, offWords: OffReasonWords): string {
  switch (view.state) {
    case 'advertising': {
      const where = view.interfaces.map(iface => `${iface.name} (${iface.addresses.join(', ')})`).join(', ')
      const note = view.reason ? `; ${view.reason}` : ''
      return `mDNS: advertising "${view.instanceName}" (${view.serviceType}) as ${view.hostName} on ${where}${note}`
    }
    case 'error':
      return `mDNS: ${view.reason}; retrying`
    case 'starting':
      return `mDNS: ${view.reason ?? 'starting'}`
    case 'off':
      return `mDNS advertising: off (${view.offReason ? offWords(view.offReason, view) : view.reason})`
  }
}

function othersLine(view: AdvertisingView): string {
  if (view.otherRelays.length === 0) return 'mDNS: no other relay seen on the LAN'
  const list = view.otherRelays.map(relay => `"${relay.name}" ${relay.url}`).join(', ')
  const pick = view.chosen ? 'this one' : `"${view.otherRelays[0]!.name}"`
  return `mDNS: other relays on the LAN: ${list}; clients pick ${pick}`
}

const holdsWellKnown = (view: AdvertisingView | undefined) => view?.wellKnownName.state === 'held'
