// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { applyMessage } from '../../src-renderer/model/apply-message.js'
import { INITIAL_STATE } from '../../src-renderer/model/relay-state.js'
import { OverviewView } from '../../src-renderer/ui/views/OverviewView.js'
import type { AdvertisingView } from '../../shared/relay-model.js'
import './dom.js'
import { NOW, snapshotMessage } from './fixtures.js'

const stateOf = (...args: Parameters<typeof snapshotMessage>) => ({ ...applyMessage(INITIAL_STATE, snapshotMessage(...args), NOW), feed: 'live' as const })

const advertising: AdvertisingView = {
  state: 'advertising',
  serviceType: '_lf-relay._tcp',
  instanceName: 'Switchboard on studio',
  hostName: 'studio.local',
  interfaces: [{ name: 'eth0', addresses: ['192.168.1.20'] }],
  skippedInterfaces: [{ name: 'docker0', code: 'container-bridge', reason: 'container or VM bridge' }],
  errors: [],
  otherRelays: [
    {
      name: 'Switchboard on attic',
      host: 'attic.local',
      port: 8080,
      addresses: ['192.168.1.30'],
      url: 'ws://192.168.1.30:8080',
      urls: ['ws://192.168.1.30:8080'],
      proto: 'localfirst-relay/4',
      version: '0.1.0',
      id: 'attic-id',
      path: '/',
      tokenRequired: false,
      priority: 0,
      startedAt: NOW - 7_200_000,
    },
  ],
  chosen: false,
  wellKnownName: { name: 'lf-relay.local', state: 'not-held' },
}

describe('overview', () => {
  it('shows the running state, uptime, version and counts', () => {
    render(<OverviewView state={stateOf({ counts: { peers: 1234, documents: 56, pipesLive: 7, pipesWaiting: 2, sockets: 1250 } })} now={NOW} />)
    expect(screen.getByText('Running')).toBeTruthy()
    expect(screen.getByText('1 h 0 min')).toBeTruthy()
    expect(screen.getByText('0.1.0')).toBeTruthy()
    const activity = screen.getByRole('region', { name: 'Activity' })
    expect(within(activity).getByText('1,234').nextSibling?.textContent).toBe('Peers')
    expect(within(activity).getByText('7').nextSibling?.textContent).toBe('Live pipes')
  })

  it('says whether frames are unmasked natively or in JavaScript', () => {
    const { unmount } = render(<OverviewView state={stateOf({ masking: 'native' })} now={NOW} />)
    expect(screen.getByText('Frame unmasking').nextSibling?.textContent).toBe('native')
    unmount()
    render(<OverviewView state={stateOf({ masking: 'js' })} now={NOW} />)
    expect(screen.getByText('Frame unmasking').nextSibling?.textContent).toBe('JavaScript (slower on large messages)')
  })

  it('lists the relay URLs, LAN address first, each with a copy button, and a QR code of the chosen one', async () => {
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } })
    render(<OverviewView state={stateOf()} now={NOW} />)
    const urls = screen.getAllByRole('listitem').map(item => item.querySelector('code')?.textContent)
    expect(urls).toEqual(['ws://192.168.1.20:8080', 'ws://localhost:8080'])
    expect(screen.getByRole('img', { name: 'QR code for ws://192.168.1.20:8080' }).querySelector('path')?.getAttribute('d')).toMatch(/^M\d+ \d+h1v1h-1z/)
    fireEvent.click(screen.getByRole('button', { name: 'Copy relay URL: ws://192.168.1.20:8080' }))
    expect(await screen.findByText('Copied')).toBeTruthy()
    expect(writeText).toHaveBeenCalledWith('ws://192.168.1.20:8080')
    fireEvent.click(screen.getByRole('button', { name: 'Show QR code for ws://localhost:8080' }))
    expect(screen.getByRole('img', { name: 'QR code for ws://localhost:8080' })).toBeTruthy()
  })

  it('shows current and total throughput and a chart of the last two minutes', () => {
    const state = stateOf({ rates: { bytesPerSecond: 1_500_000, messagesPerSecond: 3_000 }, totals: { ...stateOf().stats!.totals, bytesRelayed: 9_000_000_000, messagesRelayed: 12_345_678 } })
    render(<OverviewView state={state} now={NOW} />)
    expect(screen.getByText('1.5 MB/s · 3,000 msg/s')).toBeTruthy()
    expect(screen.getByText('9.0 GB · 12,345,678 messages')).toBeTruthy()
    expect(screen.getByRole('img', { name: /now 1\.5 MB\/s, peak 1\.5 MB\/s/ })).toBeTruthy()
  })

  it('shows advertising, the interfaces, and which relay LAN clients pick', () => {
    render(<OverviewView state={stateOf({ advertising })} now={NOW} />)
    const card = screen.getByRole('region', { name: 'On the network' })
    expect(within(card).getByText('Advertising')).toBeTruthy()
    expect(within(card).getByText('Switchboard on studio')).toBeTruthy()
    expect(within(card).getByText('192.168.1.20')).toBeTruthy()
    expect(within(card).getByText('not advertised: container or VM bridge')).toBeTruthy()
    expect(within(card).getByText('pick Switchboard on attic')).toBeTruthy()
    expect(within(card).getByText('ws://192.168.1.30:8080')).toBeTruthy()
    expect(within(card).getByText('answered by the relay clients pick')).toBeTruthy()
  })

  it('says when this relay answers for lf-relay.local', () => {
    const holding: AdvertisingView = { ...advertising, chosen: true, otherRelays: [], wellKnownName: { name: 'lf-relay.local', state: 'held' } }
    render(<OverviewView state={stateOf({ advertising: holding })} now={NOW} />)
    const card = screen.getByRole('region', { name: 'On the network' })
    expect(within(card).getByText('lf-relay.local').nextElementSibling?.textContent).toBe('answered by this relay')
  })

  it('shows who may use the relay and which addresses were refused, with the last reason', () => {
    const addresses = [
      { address: '192.168.1.66', connections: 0, refusals: 21, lastRefusal: { kind: 'lockedOut' as const, at: NOW } },
      { address: '10.0.0.9', connections: 2000, refusals: 3, lastRefusal: { kind: 'limitReached' as const, at: NOW } },
      { address: '192.168.1.20', connections: 4, refusals: 0 },
    ]
    render(<OverviewView state={stateOf({ access: { tokenRequired: true, allowPublic: false }, addresses })} now={NOW} />)
    const card = screen.getByRole('region', { name: 'Access' })
    expect(within(card).getByText('the access token (relay URL ending in /<token>)')).toBeTruthy()
    expect(within(card).getByText('this network only (loopback, private, link-local)')).toBeTruthy()
    const rows = within(card).getAllByRole('listitem').map(item => item.textContent)
    expect(rows).toEqual([
      '192.168.1.66 21 refused, last: 4431 too many failed attempts · 0 open',
      '10.0.0.9 3 refused, last: 4429 limit reached · 2,000 open',
    ])
  })

  it('explains why advertising is off', () => {
    render(<OverviewView state={stateOf()} now={NOW} />)
    expect(screen.getByText('Not advertising: LAN discovery is not running')).toBeTruthy()
  })

  it('counts refusals by kind with their close codes', () => {
    const totals = { ...stateOf().stats!.totals, refusals: 5, refusalsByKind: { limitReached: 4, malformed: 1 } }
    render(<OverviewView state={stateOf({ totals })} now={NOW} />)
    const items = within(screen.getByRole('region', { name: 'Refusals' })).getAllByRole('listitem').map(item => item.textContent)
    expect(items).toEqual(['4 4429 limit reached', '1 4400 malformed message'])
  })

  it('counts malformed messages it ignored, even when nothing was refused', () => {
    const totals = { ...stateOf().stats!.totals, ignoredMessages: 3 }
    render(<OverviewView state={stateOf({ totals })} now={NOW} />)
    const items = within(screen.getByRole('region', { name: 'Refusals' })).getAllByRole('listitem').map(item => item.textContent)
    expect(items).toEqual(['3 malformed messages ignored'])
  })
})
