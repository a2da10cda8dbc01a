// @vitest-environment jsdom
import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { DocumentsView } from '../../src-renderer/ui/views/DocumentsView.js'
import { PipesView } from '../../src-renderer/ui/views/PipesView.js'
import './dom.js'
import { NOW, peer, pipe } from './fixtures.js'

const byId = <T extends { id: string | number }>(items: T[]) => new Map<T['id'], T>(items.map(item => [item.id, item]))
const rowTexts = () => screen.getAllByRole('row').slice(1).map(row => within(row).getAllByRole('cell').map(cell => cell.textContent))

describe('pipes view', () => {
  const pipes = byId([
    pipe(1, { documentId: 'notes', peers: ['alice', 'bob'], bytes: [12_345, 678], messages: [10, 3], bytesPerSecond: [2_048, 0], openedAt: NOW - 90_000 }),
    pipe(2, { documentId: 'todo', peers: ['carol', 'dave'], state: 'waiting', liveSince: undefined, heldBytes: 300, openedAt: NOW - 5_000 }),
    pipe(3, { documentId: 'notes', peers: ['erin', 'bob'], throttled: [true, false], openedAt: NOW - 1_000 }),
  ])

  it('shows both peers, the document, the state, bytes and messages each way, the rate and the age; newest first', () => {
    render(<PipesView pipes={pipes} peers={new Map()} now={NOW} onClose={vi.fn()} />)
    expect(rowTexts()).toEqual([
      ['notes', 'erin', 'bob', 'live · slowed', '0 B · 0 msg', '0 B · 0 msg', '0 B/s / 0 B/s', '1 s', 'Close'],
      ['todo', 'carol', 'dave', 'waiting', '0 B · 0 msg', '0 B · 0 msg', '0 B/s / 0 B/s', '5 s', 'Close'],
      ['notes', 'alice', 'bob', 'live', '12 kB · 10 msg', '678 B · 3 msg', '2.0 kB/s / 0 B/s', '1 min', 'Close'],
    ])
    expect(screen.getByText('waiting').getAttribute('title')).toBe('300 B held for the partner')
  })

  it('filters by state and by peer or document', async () => {
    render(<PipesView pipes={pipes} peers={new Map()} now={NOW} onClose={vi.fn()} />)
    fireEvent.click(screen.getByLabelText('Waiting'))
    expect(rowTexts().map(cells => cells[1])).toEqual(['carol'])
    fireEvent.click(screen.getByLabelText('Live'))
    expect(rowTexts().map(cells => cells[1])).toEqual(['erin', 'alice'])
    fireEvent.change(screen.getByLabelText('Filter pipes'), { target: { value: 'ALICE' } })
    await screen.findByText('1 of 3 pipes')
    expect(rowTexts().map(cells => cells[1])).toEqual(['alice'])
  })

  it('sorts by rate', () => {
    render(<PipesView pipes={pipes} peers={new Map()} now={NOW} onClose={vi.fn()} />)
    const header = screen.getByRole('columnheader', { name: /Rate/ })
    fireEvent.click(within(header).getByRole('button'))
    fireEvent.click(within(header).getByRole('button'))
    expect(rowTexts()[0]![1]).toBe('alice')
  })

  it('names the devices the peers connect from, where a name is known', () => {
    const peers = new Map([['erin', peer('erin', { deviceName: 'erin-tablet' })]])
    render(<PipesView pipes={pipes} peers={peers} now={NOW} onClose={vi.fn()} />)
    expect(rowTexts()[0]!.slice(1, 3)).toEqual(['erinerin-tablet', 'bob'])
    expect(screen.getByTitle('erin on erin-tablet')).toBeTruthy()
  })

  it('asks to close the pipe of the row whose button was pressed', () => {
    const onClose = vi.fn()
    render(<PipesView pipes={pipes} peers={new Map()} now={NOW} onClose={onClose} />)
    fireEvent.click(screen.getByRole('button', { name: 'Close pipe 2 between carol and dave' }))
    expect(onClose).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }))
  })
})

describe('documents view', () => {
  const documents = byId([
    { id: 'notes', peers: ['alice', 'bob', 'erin', 'frank', 'gina'] },
    { id: 'todo', peers: ['carol'] },
  ])
  const pipes = byId([
    pipe(1, { documentId: 'notes', bytes: [1_000, 1_000], bytesPerSecond: [100, 100] }),
    pipe(2, { documentId: 'notes', state: 'waiting' }),
  ])

  it('shows each document with its peers and its live and waiting pipes; most peers first', () => {
    render(<DocumentsView documents={documents} pipes={pipes} />)
    expect(rowTexts()).toEqual([
      ['notes', '5 alice, bob, erin +2', '1', '1', '2.0 kB · 200 B/s'],
      ['todo', '1 carol', '0', '0', '0 B · 0 B/s'],
    ])
  })

  it('filters by document or peer id', async () => {
    render(<DocumentsView documents={documents} pipes={pipes} />)
    fireEvent.change(screen.getByLabelText('Filter documents'), { target: { value: 'carol' } })
    await screen.findByText('1 of 2 documents')
    expect(rowTexts().map(cells => cells[0])).toEqual(['todo'])
  })
})
