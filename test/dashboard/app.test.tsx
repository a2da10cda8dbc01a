// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { MonitorClientMessage, MonitorServerMessage } from '../../shared/monitoring.js'
import type { FeedHandlers, RelayDataSource } from '../../src-renderer/data/relay-data-source.js'
import { RelayStore } from '../../src-renderer/model/relay-store.js'
import { App } from '../../src-renderer/ui/App.js'
import './dom.js'
import { NOW, device, peer, pipe, recentDevice, snapshot, snapshotMessage, statsOf } from './fixtures.js'
import type { DesktopBridge } from '../../shared/ipc-schema.js'
import { ScriptedDesktop } from '../desktop/ui/scripted-desktop.js'

/** A data source the test drives by hand, recording what the dashboard sends. */
class ScriptedSource implements RelayDataSource {
  handlers: FeedHandlers | undefined
  readonly sent: MonitorClientMessage[] = []

  start(handlers: FeedHandlers) {
    this.handlers = handlers
    return () => (this.handlers = undefined)
  }

  send(message: MonitorClientMessage) {
    this.sent.push(message)
    return true
  }

  push(message: MonitorServerMessage) {
    act(() => this.handlers!.message(message))
  }

  status(status: Parameters<FeedHandlers['status']>[0]) {
    act(() => this.handlers!.status(status))
  }
}

function renderApp(desktop?: DesktopBridge) {
  const source = new ScriptedSource()
  const store = new RelayStore(source, () => NOW)
  store.start()
  render(<App store={store} desktop={desktop} />)
  source.status('live')
  source.push(
    snapshotMessage({
      peers: [peer('alice', { connectedSince: NOW - 2_000 }), peer('bob')],
      documents: [{ id: 'doc-1', peers: ['alice', 'bob'] }],
      pipes: [pipe(7, { peers: ['alice', 'bob'] })],
    }),
  )
  return source
}

const peerIds = () => screen.getAllByRole('row').slice(1).map(row => within(row).getAllByRole('cell')[0]!.textContent)

describe('dashboard app', () => {
  it('has a Settings tab only inside the desktop app, where it shows the app\'s settings', async () => {
    renderApp()
    expect(screen.queryByRole('tab', { name: 'Settings' })).toBeNull()
    cleanup()
    renderApp(new ScriptedDesktop())
    fireEvent.click(screen.getByRole('tab', { name: 'Settings' }))
    expect(await screen.findByLabelText('Access token')).toBeTruthy()
  })

  it('opens on the overview and shows counts on the tabs', () => {
    renderApp()
    expect(screen.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true')
    expect(screen.getByRole('tab', { name: 'Peers 2' })).toBeTruthy()
    expect(screen.getByRole('tab', { name: 'Pipes 1' })).toBeTruthy()
    expect(within(screen.getByRole('banner')).getByText('Running')).toBeTruthy()
  })

  it('moves between views with the arrow keys, Home and End, and keeps the view in the URL', () => {
    renderApp()
    const overview = screen.getByRole('tab', { name: 'Overview' })
    overview.focus()
    fireEvent.keyDown(overview, { key: 'ArrowRight' })
    const devicesTab = screen.getByRole('tab', { name: 'Devices 0' })
    expect(devicesTab.getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(devicesTab, { key: 'ArrowRight' })
    const peersTab = screen.getByRole('tab', { name: 'Peers 2' })
    expect(peersTab.getAttribute('aria-selected')).toBe('true')
    expect(document.activeElement).toBe(peersTab)
    expect(window.location.hash).toBe('#peers')
    expect(screen.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe(peersTab.id)
    fireEvent.keyDown(peersTab, { key: 'End' })
    expect(screen.getByRole('tab', { name: 'Events' }).getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' })
    expect(overview.getAttribute('aria-selected')).toBe('true')
  })

  it('shows the devices and the recently seen ones from the feed in the Devices tab, and follows a device leaving', () => {
    const source = renderApp()
    source.push(
      snapshotMessage({
        peers: [peer('alice', { address: '192.168.1.31', deviceName: 'anna-laptop' })],
        devices: [device('192.168.1.31', { name: 'anna-laptop', peers: ['alice'] })],
        history: { enabled: true, devices: [recentDevice('192.168.1.50', { name: 'bob-phone' })] },
      }),
    )
    fireEvent.click(screen.getByRole('tab', { name: 'Devices 1' }))
    expect(screen.getByRole('treegrid', { name: 'Devices connected' }).textContent).toContain('anna-laptop')
    expect(screen.getByRole('treegrid', { name: 'Devices seen recently' }).textContent).toContain('bob-phone')
    source.push({ type: 'update', stats: statsOf(snapshot()), devices: { upserted: [], removed: ['192.168.1.31'] } })
    expect(screen.getByText('No device is connected.')).toBeTruthy()
  })

  it('applies updates as they arrive: a peer that leaves disappears', () => {
    const source = renderApp()
    fireEvent.click(screen.getByRole('tab', { name: 'Peers 2' }))
    expect(peerIds()).toEqual(['alice', 'bob'])
    source.push({
      type: 'update',
      stats: statsOf(snapshot({ peers: [peer('alice')], documents: [{ id: 'doc-1', peers: ['alice'] }] })),
      peers: { upserted: [], removed: ['bob'] },
      pipes: { upserted: [], removed: [7] },
    })
    expect(peerIds()).toEqual(['alice'])
    expect(screen.getByRole('tab', { name: 'Peers 1' })).toBeTruthy()
  })

  it('confirms before disconnecting a peer: Escape cancels and returns focus; confirming sends the action and shows the answer', () => {
    const source = renderApp()
    fireEvent.click(screen.getByRole('tab', { name: 'Peers 2' }))
    const button = screen.getByRole('button', { name: 'Disconnect peer bob' })
    button.focus()
    fireEvent.click(button)
    const dialog = screen.getByRole('alertdialog', { name: 'Disconnect this peer?' })
    expect(dialog.textContent).toMatch(/bob \(192\.168\.1\.20\) and its 1 pipe will be closed with 4001/)
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }))
    fireEvent.keyDown(dialog, { key: 'Tab' })
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Disconnect' }))
    fireEvent.keyDown(dialog, { key: 'Escape' })
    expect(screen.queryByRole('alertdialog')).toBeNull()
    expect(document.activeElement).toBe(button)
    expect(source.sent).toEqual([])

    fireEvent.click(button)
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Disconnect' }))
    expect(source.sent).toEqual([{ type: 'disconnect-peer', peerId: 'bob', requestId: 1 }])
    source.push({ type: 'action-result', requestId: 1, ok: true, message: 'Disconnected peer bob' })
    return screen.findByText('Disconnected peer bob')
  })

  it('confirms before closing a pipe', () => {
    const source = renderApp()
    fireEvent.click(screen.getByRole('tab', { name: 'Pipes 1' }))
    fireEvent.click(screen.getByRole('button', { name: 'Close pipe 7 between alice and bob' }))
    fireEvent.click(within(screen.getByRole('alertdialog', { name: 'Close this pipe?' })).getByRole('button', { name: 'Close pipe' }))
    expect(source.sent).toEqual([{ type: 'close-pipe', pipeId: 7, requestId: 1 }])
  })

  it('says when the relay cannot be reached', () => {
    const source = renderApp()
    source.status('offline')
    expect(screen.getByText('Relay unreachable, retrying')).toBeTruthy()
  })

  it('jumps to the filter field with /', () => {
    renderApp()
    fireEvent.click(screen.getByRole('tab', { name: 'Peers 2' }))
    fireEvent.keyDown(document.body, { key: '/' })
    expect(document.activeElement).toBe(screen.getByLabelText('Filter peers'))
  })
})
