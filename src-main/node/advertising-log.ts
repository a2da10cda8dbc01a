import type { AdvertisingOffReason, AdvertisingView } from '../../shared/relay-model.js'
import { describeAdvertisingChange } from '../discovery/advertising-format.js'

export interface AdvertisingLog {
  info(line: string): void
  error(line: string): void
  /** The front end's words for why advertising is off. */
  offReason(reason: AdvertisingOffReason, view: AdvertisingView): string
}

/** Returns a listener for discovery's views that logs what changed since the one before. */
export function advertisingLogger(log: AdvertisingLog): (view: AdvertisingView) => void {
  let last: AdvertisingView | undefined
  return view => {
    const { info, errors } = describeAdvertisingChange(last, view, log.offReason)
    last = view
    for (const line of info) log.info(line)
    for (const line of errors) log.error(line)
  }
}
