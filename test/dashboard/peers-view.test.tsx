// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { PeersView } from '../../src-renderer/ui/views/PeersView.js'
import './dom.js'
import { NOW, peer, peers, pipe } from './fixtures.js'

const asMap = <T extends { id: string }>(items: T[]) => new Map(items.map(item => [item.id, item]))

function renderPeers(list = peers(5_000), onDisconnect = vi.fn()) {
  const pipes = new Map([[1, pipe(1, { peers: ['peer-4999', 'peer-4998'], bytes: [2_000, 500], bytesPerSecond: [1_000, 0] })]])
  render(<PeersView peers={asMap(list)} pipes={pipes} now={NOW} onDisconnect={onDisconnect} />)
  return { onDisconnect }
}

const dataRows = () => screen.getAllByRole('row').slice(1)
const firstCells = () => dataRows().map(row => within(row).getAllByRole('cell')[0]!.textContent)

describe('peers view', () => {
  it('renders only the rows in view out of 5,000, newest first, and says how many there are', () => {
    renderPeers()
    const table = screen.getByRole('table', { name: 'Peers' })
    expect(table.getAttribute('aria-rowcount')).toBe('5001')
    expect(dataRows().length).toBeGreaterThan(10)
    expect(dataRows().length).toBeLessThan(60)
    expect(firstCells()[0]).toBe('peer-4999')
    expect(screen.getByText('5,000 peers')).toBeTruthy()
  })

  it('shows address, age, documents, pipes and traffic for each peer', () => {
    renderPeers()
    const cells = within(dataRows()[0]!).getAllByRole('cell').map(cell => cell.textContent)
    expect(cells).toEqual(['peer-4999', '10.0.19.249', '1 s', '1', '1', '2.5 kB · 1.0 kB/s', 'Disconnect'])
  })

  it('filters by id, address or document, case-insensitively', async () => {
    renderPeers([peer('Alice', { address: '10.1.1.1' }), peer('bob', { address: '10.2.2.2', documents: ['Shopping-List'] }), peer('carol')])
    const filter = screen.getByLabelText('Filter peers')
    fireEvent.change(filter, { target: { value: 'ALICE' } })
    expect(await screen.findByText('1 of 3 peers')).toBeTruthy()
    expect(firstCells()).toEqual(['Alice'])
    fireEvent.change(filter, { target: { value: '10.2.' } })
    await screen.findByText('1 of 3 peers')
    expect(firstCells()).toEqual(['bob'])
    fireEvent.change(filter, { target: { value: 'shopping' } })
    await screen.findByText('1 of 3 peers')
    expect(firstCells()).toEqual(['bob'])
    fireEvent.change(filter, { target: { value: 'nobody' } })
    expect(await screen.findByText('No peer matches the filter.')).toBeTruthy()
  })

  it('sorts by a column from its header, announcing the order, and reverses on a second press', () => {
    renderPeers([peer('b'), peer('c'), peer('a')])
    const header = screen.getByRole('columnheader', { name: /Peer/ })
    fireEvent.click(within(header).getByRole('button'))
    expect(header.getAttribute('aria-sort')).toBe('ascending')
    expect(firstCells()).toEqual(['a', 'b', 'c'])
    fireEvent.click(within(header).getByRole('button'))
    expect(header.getAttribute('aria-sort')).toBe('descending')
    expect(firstCells()).toEqual(['c', 'b', 'a'])
  })

  it('names the device a peer connects from beside its address, and finds it by that name', async () => {
    renderPeers([peer('k3f9', { address: '192.168.1.31', deviceName: 'anna-laptop', connectedSince: NOW - 1_000 }), peer('x7', { address: '192.168.1.40' })])
    expect(screen.getAllByRole('row').slice(1).map(row => within(row).getAllByRole('cell')[1]!.textContent)).toEqual(['anna-laptop192.168.1.31', '192.168.1.40'])
    fireEvent.change(screen.getByLabelText('Filter peers'), { target: { value: 'anna' } })
    await screen.findByText('1 of 2 peers')
    expect(firstCells()).toEqual(['k3f9'])
  })

  it('marks a peer whose id another device also uses', () => {
    renderPeers([peer('twin', { collision: { since: NOW, refused: 3, otherAddress: '10.9.9.9' } })])
    expect(screen.getByText('collision').getAttribute('title')).toMatch(/10\.9\.9\.9.*3 refused/)
  })

  it('asks to disconnect the peer of the row whose button was pressed', () => {
    const { onDisconnect } = renderPeers([peer('alice'), peer('bob')])
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect peer bob' }))
    expect(onDisconnect).toHaveBeenCalledWith(expect.objectContaining({ id: 'bob' }))
  })

  it('says so when nobody is connected', () => {
    renderPeers([])
    expect(screen.getByText('No peers are connected.')).toBeTruthy()
  })
})
