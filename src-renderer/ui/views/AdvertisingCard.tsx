import { chooseRelay } from '@switchboard/lan-mdns/relay-service'
import type { AdvertisingState, AdvertisingView, WellKnownNameState } from '../../../shared/relay-model.js'
import { formatClock } from '../format.js'

const STATE_TEXT: Record<AdvertisingState, string> = {
  off: 'Not advertising',
  starting: 'Starting',
  advertising: 'Advertising',
  error: 'Failing',
}

/** Errors shown; the relay keeps a few more. */
const ERRORS_SHOWN = 3

/** LAN discovery: how this relay announces itself over mDNS, and the other relays it sees. */
const WELL_KNOWN_WORDS: Record<WellKnownNameState, string> = {
  held: 'answered by this relay',
  claiming: 'probing to take it over',
  'not-held': 'answered by the relay clients pick',
}

export function AdvertisingCard({ advertising }: { advertising: AdvertisingView }) {
  const { state, reason, instanceName, hostName, serviceType, interfaces, skippedInterfaces, otherRelays, chosen, errors, wellKnownName } = advertising
  const picked = chosen ? undefined : chooseRelay(otherRelays)
  return (
    <section className="card" aria-labelledby="advertising-heading">
      <h2 id="advertising-heading">On the network</h2>
      <dl className="facts">
        <dt>mDNS</dt>
        <dd className={state === 'error' ? 'problem' : undefined}>
          {STATE_TEXT[state]}
          {reason && `: ${reason}`}
        </dd>
        {instanceName && (
          <>
            <dt>Name</dt>
            <dd>
              {instanceName} <span className="hint">({serviceType})</span>
            </dd>
          </>
        )}
        {hostName && (
          <>
            <dt>Host</dt>
            <dd>{hostName}</dd>
          </>
        )}
        {interfaces.map(({ name, addresses }) => (
          <div key={name} className="fact">
            <dt>{name}</dt>
            <dd>{addresses.join(', ')}</dd>
          </div>
        ))}
        {skippedInterfaces.map(({ name, reason: why }) => (
          <div key={name} className="fact">
            <dt>{name}</dt>
            <dd className="hint">not advertised: {why}</dd>
          </div>
        ))}
        {state === 'advertising' && (
          <>
            <dt>LAN clients</dt>
            <dd>{chosen ? 'pick this relay' : picked ? `pick ${picked.name}` : 'pick another relay'}</dd>
            <dt>{wellKnownName.name}</dt>
            <dd>{WELL_KNOWN_WORDS[wellKnownName.state]}</dd>
          </>
        )}
      </dl>
      <h3>Other relays</h3>
      {otherRelays.length === 0 ? (
        <p className="hint">None seen on the network.</p>
      ) : (
        <ul className="plain-list">
          {otherRelays.map(relay => (
            <li key={relay.id}>
              {relay.name} <code className="url">{relay.url}</code> <span className="hint">{relay.version}</span>
            </li>
          ))}
        </ul>
      )}
      {errors.length > 0 && (
        <>
          <h3>Recent problems</h3>
          <ul className="plain-list">
            {errors.slice(-ERRORS_SHOWN).map(error => (
              <li key={`${error.at} ${error.message}`} className="problem">
                {formatClock(error.at)} {error.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
