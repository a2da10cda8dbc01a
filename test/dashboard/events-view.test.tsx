// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { EventsView } from '../../src-renderer/ui/views/EventsView.js'
import './dom.js'
import { event } from './fixtures.js'

const events = [
  event('peer-connect', { peerId: 'alice', address: '10.0.0.5' }),
  event('join', { peerId: 'alice', documentIds: ['notes'] }),
  event('introduction', { peerId: 'bob', otherPeerId: 'alice', documentIds: ['notes'] }),
  event('pipe-open', { peerId: 'alice', otherPeerId: 'bob', documentIds: ['notes'] }),
  event('refusal', { refusal: 'peerIdInUse', code: 4410, status: 409, reason: 'peer id in use: another live device uses this peer id', peerId: 'alice', address: '10.0.0.9' }),
  event('pipe-close', { peerId: 'alice', otherPeerId: 'bob', documentIds: ['notes'], code: 4001, reason: 'closed by the relay admin' }),
]
const kinds = () => screen.getAllByRole('row').slice(1).map(row => within(row).getAllByRole('cell')[1]!.textContent)

describe('event log', () => {
  it('lists events newest first, with close codes (and HTTP status for refused upgrades) and reasons', () => {
    render(<EventsView events={events} missed={0} />)
    expect(kinds()).toEqual(['pipe closed', 'refused', 'pipe open', 'introduced', 'joined', 'peer connected'])
    const refusal = within(screen.getAllByRole('row')[2]!).getAllByRole('cell').map(cell => cell.textContent)
    expect(refusal.slice(1)).toEqual(['refused', 'alice', '', '', '409 (4410)', 'peer id in use: another live device uses this peer id · from 10.0.0.9'])
    expect(screen.getByText('6 of the latest 6')).toBeTruthy()
  })

  it('names the device an event came from, where a name was known', () => {
    render(<EventsView events={[event('peer-connect', { peerId: 'k3f9', address: '192.168.1.31', deviceName: 'anna-laptop' })]} missed={0} />)
    const cells = within(screen.getAllByRole('row')[1]!).getAllByRole('cell').map(cell => cell.textContent)
    expect(cells[2]).toBe('k3f9anna-laptop')
    expect(cells[6]).toBe('from anna-laptop (192.168.1.31)')
  })

  it('filters by category and by text', async () => {
    render(<EventsView events={events} missed={0} />)
    fireEvent.click(screen.getByLabelText('Refusals'))
    expect(kinds()).toEqual(['refused'])
    fireEvent.click(screen.getByLabelText('Pipes'))
    expect(kinds()).toEqual(['pipe closed', 'pipe open'])
    fireEvent.click(screen.getByLabelText('All'))
    fireEvent.change(screen.getByLabelText('Filter events'), { target: { value: 'relay admin' } })
    await screen.findByText('1 of the latest 6')
    expect(kinds()).toEqual(['pipe closed'])
  })

  it('says how many events never arrived', () => {
    render(<EventsView events={events} missed={42} />)
    expect(screen.getByText('6 of the latest 6 · 42 not received')).toBeTruthy()
  })
})
