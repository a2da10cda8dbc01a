import { useCallback, useEffect, useRef, useState } from 'react'
import type { DesktopBridge } from '../../shared/ipc-schema.js'
import type { AdminAction } from '../../shared/monitoring.js'
import type { PeerView, PipeView } from '../../shared/relay-model.js'
import type { ActionOutcome, RelayStore } from '../model/relay-store.js'
import type { RelayState } from '../model/relay-state.js'
import { ConfirmDialog } from './components/ConfirmDialog.js'
import { PANEL_ID, Tabs, tabId, type TabSpec } from './components/Tabs.js'
import { plural } from './format.js'
import { useHashRoute, useNow, useRelayState } from './hooks.js'
import { DevicesView } from './views/DevicesView.js'
import { DocumentsView } from './views/DocumentsView.js'
import { EventsView } from './views/EventsView.js'
import { OverviewView } from './views/OverviewView.js'
import { PeersView } from './views/PeersView.js'
import { PipesView } from './views/PipesView.js'
import { SettingsView } from './settings/SettingsView.js'
import { TopologyView } from './views/TopologyView.js'

const ROUTES = ['overview', 'devices', 'peers', 'documents', 'pipes', 'map', 'events', 'settings'] as const
type Route = (typeof ROUTES)[number]

interface PendingAction {
  action: AdminAction
  title: string
  question: string
  confirmLabel: string
}

/** `desktop` is the app's own controls, present only inside the desktop app: it adds the Settings tab. */
export function App({ store, desktop }: { store: RelayStore; desktop?: DesktopBridge }) {
  const state = useRelayState(store)
  const now = useNow(state.clockOffsetMs)
  const [hashRoute, setRoute] = useHashRoute(ROUTES, 'overview')
  const route = hashRoute === 'settings' && !desktop ? 'overview' : hashRoute
  const [pending, setPending] = useState<PendingAction>()
  const [outcome, setOutcome] = useState<ActionOutcome>()
  useSearchShortcut()

  // The confirmation text counts pipes at the moment of asking, without re-creating the callbacks.
  const stateRef = useRef(state)
  stateRef.current = state

  const askDisconnect = useCallback((peer: PeerView) => {
    const pipes = [...stateRef.current.pipes.values()].filter(pipe => pipe.peers.includes(peer.id)).length
    setPending({
      action: { type: 'disconnect-peer', peerId: peer.id },
      title: 'Disconnect this peer?',
      question: `Peer ${peer.id} (${peer.address}) and its ${plural(pipes, 'pipe')} will be closed with 4001 "closed by the relay admin". Its app may connect again.`,
      confirmLabel: 'Disconnect',
    })
  }, [])
  const askClose = useCallback((pipe: PipeView) => {
    setPending({
      action: { type: 'close-pipe', pipeId: pipe.id },
      title: 'Close this pipe?',
      question: `The ${pipe.state} pipe between ${pipe.peers[0]} and ${pipe.peers[1]} on ${pipe.documentId} will be closed with 4001 "closed by the relay admin".`,
      confirmLabel: 'Close pipe',
    })
  }, [])
  const askClearHistory = useCallback(() => {
    setPending({
      action: { type: 'clear-history' },
      title: 'Clear recently seen?',
      question: 'Every device and peer that left in the last 7 days is forgotten, here and in the file that keeps them.',
      confirmLabel: 'Clear',
    })
  }, [])
  const confirm = () => {
    if (!pending) return
    setPending(undefined)
    void store.perform(pending.action).then(setOutcome)
  }

  const counts = state.stats?.counts
  const tabs: TabSpec<Route>[] = [
    { id: 'overview', label: 'Overview' },
    { id: 'devices', label: 'Devices', count: state.devices.size },
    { id: 'peers', label: 'Peers', count: counts?.peers ?? 0 },
    { id: 'documents', label: 'Documents', count: counts?.documents ?? 0 },
    { id: 'pipes', label: 'Pipes', count: (counts?.pipesLive ?? 0) + (counts?.pipesWaiting ?? 0) },
    { id: 'map', label: 'Map' },
    { id: 'events', label: 'Events' },
    ...(desktop ? [{ id: 'settings' as const, label: 'Settings' }] : []),
  ]

  return (
    <div className="app">
      <header className="top">
        <h1>Switchboard</h1>
        <RelayStatus state={state} />
        <p className={outcome?.ok === false ? 'notice problem' : 'notice'} role="status">
          {outcome?.message}
        </p>
      </header>
      <Tabs tabs={tabs} selected={route} onSelect={setRoute} />
      <main id={PANEL_ID} role="tabpanel" aria-labelledby={tabId(route)} className="panel">
        {route === 'overview' && <OverviewView state={state} now={now} />}
        {route === 'devices' && <DevicesView devices={state.devices} peers={state.peers} pipes={state.pipes} history={state.model?.history} now={now} />}
        {route === 'peers' && <PeersView peers={state.peers} pipes={state.pipes} now={now} onDisconnect={askDisconnect} />}
        {route === 'documents' && <DocumentsView documents={state.documents} pipes={state.pipes} />}
        {route === 'pipes' && <PipesView pipes={state.pipes} peers={state.peers} now={now} onClose={askClose} />}
        {route === 'map' && <TopologyView devices={state.devices} documents={state.documents} peers={state.peers} pipes={state.pipes} />}
        {route === 'events' && <EventsView events={state.events} missed={state.missedEvents} />}
        {route === 'settings' && desktop && <SettingsView desktop={desktop} onClearHistory={askClearHistory} />}
      </main>
      {pending && (
        <ConfirmDialog title={pending.title} confirmLabel={pending.confirmLabel} onConfirm={confirm} onCancel={() => setPending(undefined)}>
          <p>{pending.question}</p>
        </ConfirmDialog>
      )}
    </div>
  )
}

function RelayStatus({ state }: { state: RelayState }) {
  const [text, tone] =
    state.feed === 'connecting' ? ['Connecting…', 'pending']
    : state.feed === 'offline' ? ['Relay unreachable, retrying', 'down']
    : state.stats?.listening ? ['Running', 'up']
    : ['Not listening', 'down']
  return (
    <p className={`status ${tone}`}>
      <span className="dot" aria-hidden="true" />
      {text}
    </p>
  )
}

/** `/` jumps to the current view's filter field, as in many list-heavy web apps. */
function useSearchShortcut(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement
      if (event.key !== '/' || event.ctrlKey || event.metaKey || target.closest('input, textarea, [role="alertdialog"]')) return
      const field = document.querySelector<HTMLInputElement>('[data-search]')
      if (!field) return
      event.preventDefault()
      field.focus()
    }
    document.addEventListener('keydown', onKeyDown)
    return () => document.removeEventListener('keydown', onKeyDown)
  }, [])
}
