/**
 * What the tray shows, as a pure function of the relay's status and the settings: the icon, the
 * tooltip and the menu. The tray controller rebuilds the native menu only when this result
 * changes, which happens on state changes and never on a timer.
 */
import type { LoginItemState, RelayStatus } from '../../../shared/ipc-schema.js'

/** Idle: running, nothing flowing; active: data flowing through a pipe; problem: not running because something failed. */
export const TRAY_ICON_STATES = ['idle', 'active', 'paused', 'problem'] as const
export type TrayIconState = (typeof TRAY_ICON_STATES)[number]

export type TrayAction = 'open-dashboard' | 'copy-address' | 'pause' | 'resume' | 'toggle-start-at-login' | 'open-logs-folder' | 'quit'

export type TrayMenuEntry =
  | { type: 'status'; label: string }
  | { type: 'separator' }
  | { type: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { type: 'checkbox'; action: TrayAction; label: string; checked: boolean }

export interface TrayModel {
  icon: TrayIconState
  tooltip: string
  menu: TrayMenuEntry[]
}

export interface TrayInput {
  status: RelayStatus
  startAtLogin: boolean
  /** The OS's side of start at login, when it differs from on or off. */
  loginItem?: LoginItemState
}

/** Windows cuts tray tooltips at 127 characters. */
const MAX_TOOLTIP_LENGTH = 127
/** Devices named in the menu; the rest are counted, so the menu never outgrows the screen. */
export const MENU_DEVICES = 8

export function trayModel({ status, startAtLogin, loginItem }: TrayInput): TrayModel {
  const address = status.phase === 'running' ? shareableUrl(status.urls) : undefined
  const menu: TrayMenuEntry[] = [
    { type: 'status', label: statusLine(status) },
    ...(status.phase === 'running' ? deviceLines(status.devices, status.syncing) : []),
    { type: 'separator' },
    { type: 'action', action: 'open-dashboard', label: 'Open Dashboard', enabled: true },
    { type: 'action', action: 'copy-address', label: address ? `Copy Relay Address (${address})` : 'Copy Relay Address', enabled: address !== undefined },
    { type: 'separator' },
    runControl(status),
    {
      type: 'checkbox',
      action: 'toggle-start-at-login',
      label: loginItem === 'requires-approval' ? 'Start at Login (approve in System Settings)' : 'Start at Login',
      checked: startAtLogin,
    },
    { type: 'action', action: 'open-logs-folder', label: 'Open Logs Folder', enabled: true },
    { type: 'separator' },
    { type: 'action', action: 'quit', label: 'Quit Switchboard', enabled: status.phase !== 'stopped' },
  ]
  return { icon: iconState(status), tooltip: truncate(`Switchboard: ${tooltipDetail(status)}`, MAX_TOOLTIP_LENGTH), menu }
}

/** The address to give other devices: a LAN one when there is one, since loopback only works here. */
export function shareableUrl(urls: readonly string[]): string | undefined {
  return urls.find(url => !/^ws:\/\/(localhost|127\.|\[::1\])/.test(url)) ?? urls[0]
}

function statusLine(status: RelayStatus): string {
  switch (status.phase) {
    case 'starting':
      return status.restart ? `Restarting on port ${status.port}…` : `Starting on port ${status.port}…`
    case 'running':
      return `Running on port ${status.port}`
    case 'paused':
      return 'Paused'
    case 'error':
      return `Not running: ${status.message}`
    case 'stopped':
      return 'Stopping…'
  }
}

function tooltipDetail(status: RelayStatus): string {
  switch (status.phase) {
    case 'running':
      return `${activityLine(status.devices.length, status.syncing)}${namesAfter(status.devices)}`
    case 'error':
      return `not running. ${status.message}`
    default:
      return statusLine(status).toLowerCase()
  }
}

/** "3 devices · syncing", "1 device · idle", "no devices". */
export function activityLine(devices: number, syncing: boolean): string {
  if (devices === 0) return 'no devices'
  return `${devices} ${devices === 1 ? 'device' : 'devices'} · ${syncing ? 'syncing' : 'idle'}`
}

/** The tooltip names as many devices as fit; truncate() marks the cut. */
const namesAfter = (devices: readonly string[]) => (devices.length === 0 ? '' : ` (${devices.join(', ')})`)

function deviceLines(devices: readonly string[], syncing: boolean): TrayMenuEntry[] {
  const named = devices.slice(0, MENU_DEVICES).map((label): TrayMenuEntry => ({ type: 'status', label: `  ${label}` }))
  const more = devices.length - MENU_DEVICES
  return [
    { type: 'status', label: activityLine(devices.length, syncing) },
    ...named,
    ...(more > 0 ? [{ type: 'status' as const, label: `  +${more} more` }] : []),
  ]
}

function runControl(status: RelayStatus): TrayMenuEntry {
  switch (status.phase) {
    case 'running':
      return { type: 'action', action: 'pause', label: 'Pause Relay', enabled: true }
    case 'error':
      return { type: 'action', action: 'resume', label: 'Try Again', enabled: true }
    case 'paused':
      return { type: 'action', action: 'resume', label: 'Resume Relay', enabled: true }
    case 'starting':
    case 'stopped':
      return { type: 'action', action: 'pause', label: 'Pause Relay', enabled: false }
  }
}

function iconState(status: RelayStatus): TrayIconState {
  if (status.phase === 'running') return status.syncing ? 'active' : 'idle'
  if (status.phase === 'error') return 'problem'
  return 'paused'
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
