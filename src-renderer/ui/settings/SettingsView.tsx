import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react'
import type { DesktopBridge, DesktopSettings, NetworkInterfaceChoice, RelayStatus, SettingsPatch } from '../../../shared/ipc-schema.js'
import { DEFAULT_LIMITS, type RelayLimits } from '../../../shared/limits.js'
import type { RestartCause } from '../../../shared/relay-node-options.js'
import { settingsRestart } from '../../../shared/settings-node-options.js'
import './settings.css'

type LimitName = keyof RelayLimits

/** Short labels with units; a field left empty keeps the relay's default, shown as its placeholder. */
const LIMIT_LABELS: Record<LimitName, string> = {
  maxPeers: 'Peers at once',
  maxConnectionsPerAddress: 'Connections from one address',
  connectionsPerAddressPerSecond: 'New connections per second from one address',
  maxDocumentsPerPeer: 'Documents per peer',
  controlMessagesPerSecond: 'Control messages per second, per peer',
  maxControlMessageBytes: 'Largest control message (bytes)',
  maxPipeMessageBytes: 'Largest pipe message (bytes)',
  holdPauseBytes: 'Held for a waiting pipe before pausing its sender (bytes)',
  maxHeldBytes: 'Held for a waiting pipe before closing it (bytes)',
  holdTimeoutMs: 'How long a pipe waits for its partner (ms)',
  pipeHighWaterMark: 'Queued for a slow receiver before pausing its sender (bytes)',
  pingIntervalMs: 'Ping interval (ms)',
}
const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[]
const THIS_MACHINE_ONLY = '127.0.0.1'

/** The form's fields as typed: numbers stay text until saved, so a half-typed value is not lost. */
type Draft = Omit<DesktopSettings, 'port' | 'priority' | 'limits'> & {
  port: string
  priority: string
  limits: Record<LimitName, string>
}

const toDraft = (settings: DesktopSettings): Draft => ({
  ...settings,
  port: String(settings.port),
  priority: String(settings.priority),
  limits: Object.fromEntries(LIMIT_NAMES.map(name => [name, settings.limits[name] === undefined ? '' : String(settings.limits[name])])) as Record<LimitName, string>,
})

/** The settings the draft would save. Text that is not a number goes as NaN: the app checks every value and says what is wrong. */
function fromDraft(draft: Draft): DesktopSettings {
  const limits: Partial<RelayLimits> = {}
  for (const name of LIMIT_NAMES) if (draft.limits[name].trim() !== '') limits[name] = Number(draft.limits[name])
  return { ...draft, port: Number(draft.port), priority: Number(draft.priority), limits }
}

/** Only what changed. */
function changes(draft: Draft, saved: DesktopSettings): SettingsPatch {
  const next = fromDraft(draft)
  const patch: Record<string, unknown> = {}
  for (const name of Object.keys(next) as (keyof DesktopSettings)[]) {
    if (JSON.stringify(next[name]) !== JSON.stringify(saved[name])) patch[name] = next[name]
  }
  return patch as SettingsPatch
}

type Outcome = { ok: true; message: string } | { ok: false; message: string }

const RESTART_SETTING_NAMES: Record<RestartCause, string> = { host: 'where the relay listens', port: 'the port' }

/** Said before saving: everything else applies without anyone noticing. */
function restartNotice(causes: RestartCause[]): string | undefined {
  if (causes.length === 0) return undefined
  const what = causes.map(cause => RESTART_SETTING_NAMES[cause]).join(' and ')
  return `Changing ${what} restarts the relay: every app reconnects.`
}

/**
 * The desktop app's settings: where the relay listens, how it shows itself on the LAN, who may open
 * its dashboard, its limits, and start at login. Changes apply live when saved; only a new port or
 * listen address restarts the relay, which the view says before saving. A port that is taken shows
 * here as the relay's status.
 */
export function SettingsView({ desktop, onClearHistory }: { desktop: DesktopBridge; onClearHistory(): void }) {
  const [saved, setSaved] = useState<DesktopSettings>()
  const [draft, setDraft] = useState<Draft>()
  const [status, setStatus] = useState<RelayStatus>()
  const [interfaces, setInterfaces] = useState<NetworkInterfaceChoice[]>([])
  const [outcome, setOutcome] = useState<Outcome>()
  const [saving, setSaving] = useState(false)
  const [loadProblem, setLoadProblem] = useState<string>()

  useEffect(() => {
    let live = true
    Promise.all([desktop.getSettings(), desktop.getRelayStatus(), desktop.listNetworkInterfaces()]).then(
      ([settings, relayStatus, choices]) => {
        if (!live) return
        setSaved(settings)
        setDraft(toDraft(settings))
        setStatus(relayStatus)
        setInterfaces(choices)
      },
      (error: Error) => live && setLoadProblem(error.message),
    )
    const stopStatus = desktop.onRelayStatus(setStatus)
    return () => {
      live = false
      stopStatus()
    }
  }, [desktop])

  // Changed elsewhere (the tray's "Start at Login"): taken over unless the user is editing.
  const dirty = saved !== undefined && draft !== undefined && Object.keys(changes(draft, saved)).length > 0
  const notice = dirty ? restartNotice(settingsRestart(saved, fromDraft(draft))) : undefined
  useEffect(
    () =>
      desktop.onSettings(settings => {
        setSaved(settings)
        if (!dirty) setDraft(toDraft(settings))
      }),
    [desktop, dirty],
  )

  if (loadProblem) return <p className="problem" role="alert">The settings could not be read: {loadProblem}</p>
  if (!saved || !draft) return <p className="placeholder">Loading settings…</p>

  const edit = (fields: Partial<Draft>) => {
    setDraft({ ...draft, ...fields })
    setOutcome(undefined)
  }
  const save = async (event: FormEvent) => {
    event.preventDefault()
    setSaving(true)
    try {
      const next = await desktop.updateSettings(changes(draft, saved))
      setSaved(next)
      setDraft(toDraft(next))
      setOutcome({ ok: true, message: 'Saved.' })
    } catch (error) {
      setOutcome({ ok: false, message: (error as Error).message })
    } finally {
      setSaving(false)
    }
  }
  const openLogs = () => desktop.openLogsFolder().catch((error: Error) => setOutcome({ ok: false, message: error.message }))

  const addresses = interfaces.flatMap(({ name, addresses: list }) => list.map(address => ({ address, name })))
  const listenKnown = draft.listenAddress === '' || draft.listenAddress === THIS_MACHINE_ONLY || addresses.some(({ address }) => address === draft.listenAddress)
  const toggleInterface = (name: string, on: boolean) =>
    edit({ advertiseInterfaces: on ? [...draft.advertiseInterfaces, name] : draft.advertiseInterfaces.filter(other => other !== name) })

  return (
    <form className="settings" onSubmit={event => void save(event)} aria-label="Settings">
      <RelayStatusLine status={status} />

      <fieldset className="card">
        <legend>Network</legend>
        <Field label="Port" hint="Apps and browsers connect to this port. Changing it restarts the relay.">
          {id => <input id={id} inputMode="numeric" value={draft.port} onChange={event => edit({ port: event.target.value })} />}
        </Field>
        <Field label="Listen on">
          {id => (
            <select id={id} value={draft.listenAddress} onChange={event => edit({ listenAddress: event.target.value })}>
              <option value="">Every interface</option>
              <option value={THIS_MACHINE_ONLY}>This computer only</option>
              {addresses.map(({ address, name }) => (
                <option key={address} value={address}>
                  {address} ({name})
                </option>
              ))}
              {!listenKnown && <option value={draft.listenAddress}>{draft.listenAddress} (not on this computer now)</option>}
            </select>
          )}
        </Field>
      </fieldset>

      <fieldset className="card">
        <legend>On the LAN</legend>
        <Check label="Announce the relay over mDNS, so apps on the LAN find it" checked={draft.advertise} onChange={advertise => edit({ advertise })} />
        <Field label="Relay name" hint='Other devices see "Switchboard on <name>". Empty: this computer’s name.'>
          {id => <input id={id} value={draft.relayName} maxLength={63} onChange={event => edit({ relayName: event.target.value })} />}
        </Field>
        <Field label="Priority" hint="Apps on the LAN pick the relay with the highest priority, then the one running longest.">
          {id => <input id={id} inputMode="numeric" value={draft.priority} onChange={event => edit({ priority: event.target.value })} />}
        </Field>
        <fieldset className="settings-interfaces">
          <legend>Announce on</legend>
          <p className="hint">None ticked: every interface that leads to the LAN.</p>
          {interfaces.map(({ name, addresses: list }) => (
            <Check key={name} label={`${name} (${list.join(', ')})`} checked={draft.advertiseInterfaces.includes(name)} onChange={on => toggleInterface(name, on)} />
          ))}
          {draft.advertiseInterfaces
            .filter(name => !interfaces.some(choice => choice.name === name))
            .map(name => (
              <Check key={name} label={`${name} (not on this computer now)`} checked onChange={on => toggleInterface(name, on)} />
            ))}
        </fieldset>
      </fieldset>

      <fieldset className="card">
        <legend>Who may use the relay</legend>
        <Field
          label="Access token"
          hint="Every app must present it: apps use ws://<this computer>:<port>/<token> as the relay URL. Letters, digits and . _ ~ -, at least 12; empty: no token."
        >
          {id => <input id={id} type="password" autoComplete="new-password" value={draft.accessToken} onChange={event => edit({ accessToken: event.target.value })} />}
        </Field>
        <Check label="Accept apps from public addresses too (not only this network)" checked={draft.allowPublic} onChange={on => edit({ allowPublic: on })} />
      </fieldset>

      <fieldset className="card">
        <legend>Dashboard access</legend>
        <Field label="Admin token" hint="Lets other devices open this dashboard in a browser. At least 12 characters; empty: this computer only.">
          {id => <input id={id} type="password" autoComplete="new-password" value={draft.adminToken} onChange={event => edit({ adminToken: event.target.value })} />}
        </Field>
      </fieldset>

      <fieldset className="card">
        <legend>Recently seen</legend>
        <Check
          label="Remember the devices seen in the last 7 days"
          checked={draft.history}
          onChange={history => edit({ history })}
        />
        <p className="hint">Kept on this computer only, readable by you alone; documents are counted, never named. Turning it off forgets them.</p>
        <button type="button" disabled={!saved.history} onClick={onClearHistory}>
          Clear recently seen
        </button>
      </fieldset>

      <details className="card">
        <summary>Limits</summary>
        <p className="hint">Empty fields keep the relay’s defaults.</p>
        {LIMIT_NAMES.map(name => (
          <Field key={name} label={LIMIT_LABELS[name]}>
            {id => (
              <input
                id={id}
                inputMode="numeric"
                placeholder={String(DEFAULT_LIMITS[name])}
                value={draft.limits[name]}
                onChange={event => edit({ limits: { ...draft.limits, [name]: event.target.value } })}
              />
            )}
          </Field>
        ))}
      </details>

      <fieldset className="card">
        <legend>App</legend>
        <Check label="Start Switchboard when I log in" checked={draft.startAtLogin} onChange={startAtLogin => edit({ startAtLogin })} />
        <button type="button" onClick={() => void openLogs()}>
          Open logs folder
        </button>
      </fieldset>

      <div className="settings-actions">
        <button type="submit" disabled={!dirty || saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" disabled={!dirty || saving} onClick={() => edit(toDraft(saved))}>
          Revert
        </button>
        {notice && (
          <p className="settings-restart" role="note">
            {notice}
          </p>
        )}
        <p className={outcome?.ok === false ? 'problem' : 'hint'} role={outcome?.ok === false ? 'alert' : 'status'}>
          {outcome?.message}
        </p>
      </div>
    </form>
  )
}

function RelayStatusLine({ status }: { status: RelayStatus | undefined }) {
  if (!status) return null
  const text =
    status.phase === 'running' ? `Relay running on port ${status.port}.`
    : status.phase === 'error' ? `Relay not running: ${status.message}`
    : status.phase === 'paused' ? 'Relay paused (resume it from the tray).'
    : status.phase === 'starting' && status.restart ? `Relay restarting on port ${status.port}: every app reconnects…`
    : status.phase === 'starting' ? `Relay starting on port ${status.port}…`
    : 'Relay stopped.'
  return (
    <p className={status.phase === 'error' ? 'settings-status problem' : 'settings-status'} role="status">
      {text}
    </p>
  )
}

function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string) => ReactNode }) {
  const id = useId()
  return (
    <div className="settings-field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint && <p className="hint">{hint}</p>}
    </div>
  )
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange(checked: boolean): void }) {
  return (
    <label className="settings-check">
      <input type="checkbox" checked={checked} onChange={event => onChange(event.target.checked)} />
      {label}
    </label>
  )
}
