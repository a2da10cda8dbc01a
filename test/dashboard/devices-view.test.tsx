// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { HistoryView } from '../../shared/relay-model.js'
import { DevicesView } from '../../src-renderer/ui/views/DevicesView.js'
import './dom.js'
import { NOW, device, peer, pipe, recentDevice } from './fixtures.js'

const byKey = <K, T>(items: T[], key: (item: T) => K) => new Map(items.map(item => [key(item), item]))

const DEVICES = [
  device('192.168.1.31', { name: 'anna-laptop', nameSource: 'mdns', peers: ['k3f9', 'a-1'], documents: 2, pipesLive: 1, bytes: 12_000, bytesPerSecond: 2_000, connectedSince: NOW - 3_600_000 }),
  device('192.168.1.40', { peers: ['x7'], documents: 1, pipesLive: 1, bytes: 500, connectedSince: NOW - 5_000 }),
]
const PEERS = [
  peer('k3f9', { address: '192.168.1.31', documents: ['notes', 'todo'], deviceName: 'anna-laptop', connectedSince: NOW - 3_600_000 }),
  peer('a-1', { address: '192.168.1.31', documents: ['notes'], deviceName: 'anna-laptop', connectedSince: NOW - 120_000 }),
  peer('x7', { address: '192.168.1.40', documents: ['notes'] }),
]
const PIPES = [pipe(1, { documentId: 'notes', peers: ['k3f9', 'x7'], bytes: [10_000, 500], bytesPerSecond: [2_000, 0] })]
const HISTORY: HistoryView = {
  enabled: true,
  devices: [
    recentDevice('192.168.1.50', {
      name: 'bob-phone',
      firstSeen: NOW - 2 * 86_400_000,
      lastSeen: NOW - 7_200_000,
      documents: 3,
      bytes: 2_000_000,
      peers: [{ id: 'b0b', firstSeen: NOW - 2 * 86_400_000, lastSeen: NOW - 7_200_000, documents: 3, bytes: 2_000_000 }],
    }),
  ],
}

function renderDevices(history: HistoryView | undefined = HISTORY, devices = DEVICES) {
  render(
    <DevicesView
      devices={byKey(devices, item => item.address)}
      peers={byKey(PEERS, item => item.id)}
      pipes={byKey(PIPES, item => item.id)}
      history={history}
      now={NOW}
    />,
  )
}

const rowsOf = (name: string) =>
  within(screen.getByRole('treegrid', { name }))
    .getAllByRole('row')
    .slice(1)
    .map(row => within(row).getAllByRole('gridcell').map(cell => cell.textContent))

describe('devices view', () => {
  it('shows one row per device, busiest first: name with the address beside it (the address alone until named), apps, documents, live pipes, traffic, connected since', () => {
    renderDevices()
    expect(rowsOf('Devices connected')).toEqual([
      ['▸anna-laptop192.168.1.31', '2', '2', '1', '12 kB · 2.0 kB/s', '1 h 0 min'],
      ['▸192.168.1.40', '1', '1', '1', '500 B · 0 B/s', '5 s'],
    ])
    expect(screen.getByText('2 devices connected')).toBeTruthy()
  })

  it('opens a device (a button that says whether it is open) to show its apps (peers) with their documents, pipes and traffic, and closes it again', () => {
    renderDevices()
    const button = screen.getByRole('button', { name: 'Show the apps on anna-laptop' })
    expect(button.getAttribute('aria-expanded')).toBe('false')
    fireEvent.click(button)
    expect(button.getAttribute('aria-expanded')).toBe('true')
    expect(button.getAttribute('aria-label')).toBe('Hide the apps on anna-laptop')
    expect(rowsOf('Devices connected')).toEqual([
      ['▾anna-laptop192.168.1.31', '2', '2', '1', '12 kB · 2.0 kB/s', '1 h 0 min'],
      ['k3f9', '', '2', '1', '11 kB · 2.0 kB/s', '1 h 0 min'],
      ['a-1', '', '1', '0', '0 B · 0 B/s', '2 min'],
      ['▸192.168.1.40', '1', '1', '1', '500 B · 0 B/s', '5 s'],
    ])
    const rows = within(screen.getByRole('treegrid', { name: 'Devices connected' })).getAllByRole('row')
    expect(rows.map(row => row.getAttribute('aria-level'))).toEqual([null, '1', '2', '2', '1'])
    fireEvent.click(button)
    expect(rowsOf('Devices connected')).toHaveLength(2)
  })

  it('keeps a device\'s apps under it when the devices are sorted', () => {
    renderDevices()
    fireEvent.click(screen.getByRole('button', { name: 'Show the apps on anna-laptop' }))
    fireEvent.click(within(within(screen.getByRole('treegrid', { name: 'Devices connected' })).getByRole('columnheader', { name: /Device/ })).getByRole('button'))
    expect(rowsOf('Devices connected').map(cells => cells[0])).toEqual(['▸192.168.1.40', '▾anna-laptop192.168.1.31', 'k3f9', 'a-1'])
  })

  it('filters by name, address or peer id', async () => {
    renderDevices()
    fireEvent.change(screen.getByLabelText('Filter devices'), { target: { value: 'x7' } })
    expect(await screen.findByText('1 of 2 devices connected')).toBeTruthy()
    expect(rowsOf('Devices connected').map(cells => cells[0])).toEqual(['▸192.168.1.40'])
    fireEvent.change(screen.getByLabelText('Filter devices'), { target: { value: 'ANNA' } })
    await screen.findByText('1 of 2 devices connected')
    expect(rowsOf('Devices connected').map(cells => cells[0])).toEqual(['▸anna-laptop192.168.1.31'])
  })

  it('lists devices seen recently with last and first seen, documents and traffic, and opens one to its apps', () => {
    renderDevices()
    expect(rowsOf('Devices seen recently')).toEqual([['▸bob-phone192.168.1.50', '2 h 0 min ago', '2 d 0 h ago', '3', '2.0 MB']])
    fireEvent.click(screen.getByRole('button', { name: 'Show the apps seen on bob-phone' }))
    expect(rowsOf('Devices seen recently')[1]).toEqual(['b0b', '2 h 0 min ago', '2 d 0 h ago', '3', '2.0 MB'])
  })

  it('says so when nobody is connected, nobody left, or history is turned off', () => {
    renderDevices({ enabled: true, devices: [] }, [])
    expect(screen.getByText('No device is connected.')).toBeTruthy()
    expect(screen.getByText('No device has left in the last 7 days.')).toBeTruthy()
    renderDevices({ enabled: false, devices: [] }, [])
    expect(screen.getByText(/History is turned off/)).toBeTruthy()
  })
})
