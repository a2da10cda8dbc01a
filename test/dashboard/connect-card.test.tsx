// @vitest-environment jsdom
/**
 * The Overview's "Connect apps" card, fed through the dashboard's own model code (applyMessage):
 * it offers exactly the relay's URLs in the relay's order, puts the first (the likeliest LAN) in the QR code,
 * and names the interfaces left out with why, apart and muted.
 */
import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { MonitorUpdateMessage } from '../../shared/monitoring.js'
import { applyMessage } from '../../src-renderer/model/apply-message.js'
import { INITIAL_STATE } from '../../src-renderer/model/relay-state.js'
import { OverviewView } from '../../src-renderer/ui/views/OverviewView.js'
import './dom.js'
import { NOW, snapshot, snapshotMessage, statsOf } from './fixtures.js'

const twoLans = {
  urls: ['ws://192.168.1.20:8080', 'ws://10.0.0.5:8080', 'ws://localhost:8080'],
  notOffered: [
    { name: 'docker0', code: 'container-bridge' as const, reason: 'container or VM bridge' },
    { name: 'wg0', code: 'tunnel' as const, reason: 'VPN or tunnel (multicast rarely crosses it)' },
  ],
}

const stateOf = (...args: Parameters<typeof snapshotMessage>) => ({ ...applyMessage(INITIAL_STATE, snapshotMessage(...args), NOW), feed: 'live' as const })
const card = () => screen.getByRole('region', { name: 'Connect apps' })
const listed = () => within(card()).getAllByRole('listitem').map(item => item.querySelector('code')?.textContent)

describe('the Connect apps card', () => {
  it('lists the offered URLs in the relay order, the first in the QR code, and the interfaces not offered on one muted line', () => {
    render(<OverviewView state={stateOf(twoLans)} now={NOW} />)
    expect(listed()).toEqual(['ws://192.168.1.20:8080', 'ws://10.0.0.5:8080', 'ws://localhost:8080'])
    expect(within(card()).getByRole('img', { name: 'QR code for ws://192.168.1.20:8080' })).toBeTruthy()
    const line = within(card()).getByText(/^not offered:/)
    expect(line.textContent).toBe('not offered: docker0 (container or VM bridge), wg0 (VPN or tunnel (multicast rarely crosses it))')
    expect(line.classList.contains('hint')).toBe(true)
    expect(within(card()).getByText('this machine only').closest('li')?.querySelector('code')?.textContent).toBe('ws://localhost:8080')
  })

  it('with nothing skipped there is no not-offered line', () => {
    render(<OverviewView state={stateOf({ urls: ['ws://192.168.1.20:8080', 'ws://localhost:8080'], notOffered: [] })} now={NOW} />)
    expect(listed()).toEqual(['ws://192.168.1.20:8080', 'ws://localhost:8080'])
    expect(within(card()).queryByText(/^not offered:/)).toBeNull()
  })

  it('follows the relay when its networks change: new URLs, a new QR code, a new not-offered line', () => {
    const first = stateOf(twoLans)
    const moved = snapshot({ ...twoLans, urls: ['ws://10.0.0.5:8080', 'ws://localhost:8080'], notOffered: [twoLans.notOffered[0]!] })
    const update: MonitorUpdateMessage = { type: 'update', stats: statsOf(moved), parts: { notOffered: moved.notOffered } }
    const { rerender } = render(<OverviewView state={first} now={NOW} />)
    rerender(<OverviewView state={{ ...applyMessage(first, update, NOW), feed: 'live' }} now={NOW} />)
    expect(listed()).toEqual(['ws://10.0.0.5:8080', 'ws://localhost:8080'])
    expect(within(card()).getByRole('img', { name: 'QR code for ws://10.0.0.5:8080' })).toBeTruthy()
    expect(within(card()).getByText(/^not offered:/).textContent).toBe('not offered: docker0 (container or VM bridge)')
  })
})

describe('the Connect apps card with TLS', () => {
  const fingerprint = 'ab'.repeat(32)
  const withTls = {
    urls: ['ws://192.168.1.20:8080', 'ws://localhost:8080'],
    notOffered: [],
    tls: {
      enabled: true,
      urls: ['wss://192.168.1.20:8080', 'wss://localhost:8080'],
      ca: { fingerprint, path: '/_switchboard/ca.crt' },
      certificate: { names: ['lf-relay.local', '192.168.1.20'], notAfter: NOW + 86_400_000 },
      handshakes: 3,
    },
  }

  it('shows the wss:// URLs, the CA fingerprint as devices show it, a QR code for the CA download and how to trust it', () => {
    render(<OverviewView state={stateOf(withTls)} now={NOW} />)
    const secure = within(card()).getByRole('heading', { name: 'Web apps (https pages)' }).parentElement!
    expect([...secure.querySelectorAll('.urls code')].map(code => code.textContent)).toEqual(['wss://192.168.1.20:8080', 'wss://localhost:8080'])
    expect(within(secure).getAllByRole('button', { name: /^Copy secure relay URL: wss:/ })).toHaveLength(2)
    expect(secure.querySelector('.fingerprint')?.textContent).toBe(Array(32).fill('AB').join(':'))
    // Plain http: a phone that does not trust the relay yet can still download it.
    expect(within(secure).getByRole('img', { name: 'QR code for http://192.168.1.20:8080/_switchboard/ca.crt' })).toBeTruthy()
    expect(within(secure).getByRole('link', { name: 'Download the certificate authority' }).getAttribute('href')).toBe('/_switchboard/ca.crt')
    const platforms = [...secure.querySelectorAll('.trust-steps dt')].map(dt => dt.textContent)
    expect(platforms).toEqual(['macOS', 'Windows', 'iOS and iPadOS', 'Android', 'Linux (Chromium, Chrome)', 'Firefox (every system)'])
    expect(within(secure).getByRole('link', { name: 'https://lf-relay.local:8080/' }).getAttribute('href')).toBe('https://lf-relay.local:8080/')
    // The ws:// list and its QR code are as before.
    expect(listed().slice(0, 2)).toEqual(['ws://192.168.1.20:8080', 'ws://localhost:8080'])
    expect(within(card()).getByRole('img', { name: 'QR code for ws://192.168.1.20:8080' })).toBeTruthy()
  })

  it('with TLS off says web apps served over https cannot reach the relay', () => {
    render(<OverviewView state={stateOf({ ...withTls, tls: { enabled: false, urls: [], handshakes: 0 } })} now={NOW} />)
    expect(within(card()).getByText(/TLS is off: web apps served over https cannot reach this relay/)).toBeTruthy()
    expect(within(card()).queryByText(/SHA-256/)).toBeNull()
  })
})
