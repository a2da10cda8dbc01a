import { useState } from 'react'
import type { SkippedInterface, TlsView } from '../../../shared/relay-model.js'
import { CopyButton } from '../components/CopyButton.js'
import { QrCode } from '../components/QrCode.js'
import { SecureConnect } from './SecureConnect.js'

interface ConnectCardProps {
  /** Every URL the relay offers apps, likeliest LAN first, this machine's last. */
  urls: string[]
  /** Interfaces given no URL, and why. */
  notOffered: SkippedInterface[]
  tls: TlsView
}

/**
 * The addresses apps should use, and only those: the relay already left out every interface no
 * app could reach through (container bridges, VPNs), so the QR code never hands a phone a dead
 * address. The relay puts the likeliest first, so the QR code holds it until another is picked.
 */
export function ConnectCard({ urls, notOffered, tls }: ConnectCardProps) {
  const [chosen, setChosen] = useState<string | undefined>()
  const qrUrl = chosen && urls.includes(chosen) ? chosen : urls[0]
  return (
    <section className="card connect" aria-labelledby="connect-heading">
      <h2 id="connect-heading">Connect apps</h2>
      <p className="hint">Apps built on @localfirst/relay use one of these relay URLs:</p>
      <ul className="urls">
        {urls.map(url => (
          <li key={url}>
            <code className="url">{url}</code>
            <CopyButton text={url} label="Copy relay URL" />
            <button type="button" aria-pressed={url === qrUrl} onClick={() => setChosen(url)} aria-label={`Show QR code for ${url}`}>
              QR
            </button>
            {isLoopbackUrl(url) && <span className="hint">this machine only</span>}
          </li>
        ))}
      </ul>
      {notOffered.length > 0 && (
        <p className="hint">not offered: {notOffered.map(({ name, reason }) => `${name} (${reason})`).join(', ')}</p>
      )}
      <div className="qr-slot">{qrUrl && <QrCode text={qrUrl} label={`QR code for ${qrUrl}`} />}</div>
      <SecureConnect tls={tls} />
    </section>
  )
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]'
}
