/** A DesktopBridge the tests script: what the app's preload would expose, without Electron. */
import { act } from '@testing-library/react'
import type { AppShellState, DesktopBridge, DesktopSettings, RelayStatus, SettingsPatch } from '../../../shared/ipc-schema.js'
import { DEFAULT_SETTINGS } from '../../../src-main/desktop/settings/settings-schema.js'

/** What the app's settings file holds in these tests: the defaults, with one limit set. */
export const STORED: DesktopSettings = { ...DEFAULT_SETTINGS, limits: { maxPeers: 500 } }

export class ScriptedDesktop implements DesktopBridge {
  settings = STORED
  status: RelayStatus = { phase: 'running', port: 8080, urls: ['ws://localhost:8080'], peers: 0, devices: [], syncing: false }
  readonly patches: SettingsPatch[] = []
  refuseWith: string | undefined
  logsOpened = 0
  private statusListeners = new Set<(status: RelayStatus) => void>()
  private settingsListeners = new Set<(settings: DesktopSettings) => void>()

  getSettings = async () => this.settings
  getRelayStatus = async () => this.status
  listNetworkInterfaces = async () => [
    { name: 'eth0', addresses: ['192.168.1.20'] },
    { name: 'wlan0', addresses: ['10.0.0.7', 'fd00::7'] },
  ]
  updateSettings = async (patch: SettingsPatch) => {
    this.patches.push(patch)
    if (this.refuseWith) throw new Error(this.refuseWith)
    this.settings = { ...this.settings, ...patch }
    return this.settings
  }
  openLogsFolder = async () => {
    this.logsOpened++
  }
  onRelayStatus = (listener: (status: RelayStatus) => void) => {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }
  shell: AppShellState = { tray: true, loginItem: 'off' }
  quits = 0
  private shellListeners = new Set<(shell: AppShellState) => void>()
  getShell = async () => this.shell
  onShell = (listener: (shell: AppShellState) => void) => {
    this.shellListeners.add(listener)
    return () => this.shellListeners.delete(listener)
  }
  quit = async () => {
    this.quits++
  }

  pushShell(shell: AppShellState) {
    this.shell = shell
    act(() => this.shellListeners.forEach(listener => listener(shell)))
  }

  onSettings = (listener: (settings: DesktopSettings) => void) => {
    this.settingsListeners.add(listener)
    return () => this.settingsListeners.delete(listener)
  }

  pushStatus(status: RelayStatus) {
    act(() => this.statusListeners.forEach(listener => listener(status)))
  }

  pushSettings(settings: DesktopSettings) {
    this.settings = settings
    act(() => this.settingsListeners.forEach(listener => listener(settings)))
  }
}
