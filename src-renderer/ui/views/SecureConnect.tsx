import type { TlsView } from '../../../shared/relay-model.js'
import { CopyButton } from '../components/CopyButton.js'
import { QrCode } from '../components/QrCode.js'
import { TrustSteps } from './TrustSteps.js'

/** The name the CA download is saved under (the relay's Content-Disposition). */
const CA_FILE_NAME = 'switchboard-ca.crt'
/** The well-known name the relay picked on the LAN answers to. */
const WELL_KNOWN_HOST = 'lf-relay.local'

interface SecureConnectProps {
  tls: TlsView
}

/**
 * The wss:// side of the Connect apps card: what web apps served over https use, and the one-time
 * step that makes a device trust the relay (its CA, checked by fingerprint, or a warning accepted once).
 */
export function SecureConnect({ tls }: SecureConnectProps) {
  if (!tls.enabled || !tls.ca) return <p className="hint">TLS is off: web apps served over https cannot reach this relay (turn it on in Settings).</p>
  const first = tls.urls[0]
  if (!first) return null
  const origin = new URL(first.replace(/^wss:/, 'https:'))
  // Plain http, so a device that does not trust the relay yet can still fetch it.
  const downloadUrl = `http://${origin.host}${tls.ca.path}`
  const fallbackUrl = `https://${WELL_KNOWN_HOST}:${origin.port || '443'}/`
  return (
    <div className="secure-connect">
      <h3>Web apps (https pages)</h3>
      <p className="hint">Use wss:// once the device trusts this relay:</p>
      <ul className="urls">
        {tls.urls.map(url => (
          <li key={url}>
            <code className="url">{url}</code>
            <CopyButton text={url} label="Copy secure relay URL" />
          </li>
        ))}
      </ul>
      <p>
        Certificate authority, SHA-256: <code className="fingerprint">{colonHex(tls.ca.fingerprint)}</code>
      </p>
      <p>
        <a href={tls.ca.path} download={CA_FILE_NAME}>
          Download the certificate authority
        </a>{' '}
        or scan to get it on a phone:
      </p>
      <div className="qr-slot">
        <QrCode text={downloadUrl} label={`QR code for ${downloadUrl}`} />
      </div>
      <TrustSteps fileName={CA_FILE_NAME} fallbackUrl={fallbackUrl} />
    </div>
  )
}

/** As devices show a fingerprint: upper-case byte pairs joined by colons. */
const colonHex = (hex: string) => hex.toUpperCase().match(/../g)!.join(':')
