/**
 * The tray as a pure function of the relay's status (icon, tooltip, menu), and the controller that
 * touches the native tray only when that function's result changes.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Menu, MenuItemConstructorOptions, NativeImage } from 'electron'
import { describe, expect, test } from 'vitest'
import type { RelayStatus } from '../../shared/ipc-schema.js'
import { TrayController, menuTemplate } from '../../src-main/desktop/tray/tray-controller.js'
import { trayIconFile } from '../../src-main/desktop/tray/tray-icons.js'
import { MENU_DEVICES, TRAY_ICON_STATES, shareableUrl, trayModel, type TrayAction, type TrayMenuEntry } from '../../src-main/desktop/tray/tray-model.js'
import { REPO_ROOT } from './fake-electron.js'

const running = (devices: string[], syncing = false): RelayStatus => ({
  phase: 'running',
  port: 8080,
  urls: ['ws://localhost:8080', 'ws://192.168.1.20:8080', 'ws://10.0.0.5:8080'],
  peers: devices.length,
  devices,
  syncing,
})
const THREE = ['anna-laptop', 'bob-phone', '192.168.1.31']
const busy: RelayStatus = { phase: 'error', port: 8080, message: 'Port 8080 is in use by another program; choose another port in Settings.' }

/** The menu as lines a person would read: "label", "[x] label", "(disabled) label", "---". */
function readMenu(menu: TrayMenuEntry[]): string[] {
  return menu.map(entry => {
    switch (entry.type) {
      case 'separator':
        return '---'
      case 'status':
        return `(status) ${entry.label}`
      case 'checkbox':
        return `[${entry.checked ? 'x' : ' '}] ${entry.label}`
      case 'action':
        return `${entry.enabled ? '' : '(disabled) '}${entry.label}`
    }
  })
}

describe('tray model', () => {
  test('running and syncing: the active icon, devices by name and "syncing" in the tooltip and menu, the LAN address to copy', () => {
    const model = trayModel({ status: running(THREE, true), startAtLogin: true })
    expect(model.icon).toBe('active')
    expect(model.tooltip).toBe('Switchboard: 3 devices · syncing (anna-laptop, bob-phone, 192.168.1.31)')
    expect(readMenu(model.menu)).toEqual([
      '(status) Running on port 8080',
      '(status) 3 devices · syncing',
      '(status)   anna-laptop',
      '(status)   bob-phone',
      '(status)   192.168.1.31',
      '---',
      'Open Dashboard',
      'Copy Relay Address (ws://192.168.1.20:8080)',
      '---',
      'Pause Relay',
      '[x] Start at Login',
      'Open Logs Folder',
      '---',
      'Quit Switchboard',
    ])
  })

  test('running with nothing flowing: the idle icon and "idle"; nobody connected: "no devices"', () => {
    const idle = trayModel({ status: running(['anna-laptop']), startAtLogin: false })
    expect(idle.icon).toBe('idle')
    expect(idle.tooltip).toBe('Switchboard: 1 device · idle (anna-laptop)')
    expect(readMenu(idle.menu).slice(0, 3)).toEqual(['(status) Running on port 8080', '(status) 1 device · idle', '(status)   anna-laptop'])
    const empty = trayModel({ status: running([]), startAtLogin: false })
    expect(empty.icon).toBe('idle')
    expect(empty.tooltip).toBe('Switchboard: no devices')
    expect(readMenu(empty.menu).slice(0, 3)).toEqual(['(status) Running on port 8080', '(status) no devices', '---'])
  })

  test('many devices: the menu names the first eight and counts the rest; the tooltip stays within 127 characters', () => {
    const many = Array.from({ length: 30 }, (_, i) => `device-${String(i).padStart(2, '0')}.local`)
    const model = trayModel({ status: running(many, true), startAtLogin: false })
    const lines = readMenu(model.menu)
    expect(lines.filter(line => line.startsWith('(status)   device-'))).toHaveLength(MENU_DEVICES)
    expect(lines).toContain('(status)   +22 more')
    expect(model.tooltip).toHaveLength(127)
    expect(model.tooltip.startsWith('Switchboard: 30 devices · syncing (device-00.local, ')).toBe(true)
  })

  test('paused: paused icon, resume, nothing to copy', () => {
    const model = trayModel({ status: { phase: 'paused' }, startAtLogin: false })
    expect(model.icon).toBe('paused')
    expect(model.tooltip).toBe('Switchboard: paused')
    expect(readMenu(model.menu)).toEqual([
      '(status) Paused',
      '---',
      'Open Dashboard',
      '(disabled) Copy Relay Address',
      '---',
      'Resume Relay',
      '[ ] Start at Login',
      'Open Logs Folder',
      '---',
      'Quit Switchboard',
    ])
  })

  test('error (a busy port): the problem icon, the reason in the status line and tooltip, try again', () => {
    const model = trayModel({ status: busy, startAtLogin: false })
    expect(model.icon).toBe('problem')
    expect(model.tooltip).toBe('Switchboard: not running. Port 8080 is in use by another program; choose another port in Settings.')
    expect(readMenu(model.menu).slice(0, 6)).toEqual([
      '(status) Not running: Port 8080 is in use by another program; choose another port in Settings.',
      '---',
      'Open Dashboard',
      '(disabled) Copy Relay Address',
      '---',
      'Try Again',
    ])
    const entry = model.menu.find(item => item.type === 'action' && item.label === 'Try Again')
    expect(entry).toMatchObject({ action: 'resume' })
  })

  test('starting and stopping: paused icon, nothing to pause, quitting twice is not offered', () => {
    const starting = trayModel({ status: { phase: 'starting', port: 9000 }, startAtLogin: false })
    expect(starting.icon).toBe('paused')
    expect(starting.tooltip).toBe('Switchboard: starting on port 9000…')
    expect(trayModel({ status: { phase: 'starting', port: 9000, restart: ['port'] }, startAtLogin: false }).tooltip).toBe('Switchboard: restarting on port 9000…')
    expect(readMenu(starting.menu)).toContain('(disabled) Pause Relay')
    const stopping = trayModel({ status: { phase: 'stopped' }, startAtLogin: false })
    expect(readMenu(stopping.menu)).toContain('(disabled) Quit Switchboard')
    expect(stopping.tooltip).toBe('Switchboard: stopping…')
  })

  test('the tooltip stays within the 127 characters Windows shows', () => {
    const long: RelayStatus = { phase: 'error', port: 1, message: 'x'.repeat(300) }
    const { tooltip } = trayModel({ status: long, startAtLogin: false })
    expect(tooltip).toHaveLength(127)
    expect(tooltip.endsWith('…')).toBe(true)
  })

  test('the address to share is a LAN one; loopback only when there is nothing else', () => {
    expect(shareableUrl(['ws://localhost:8080', 'ws://192.168.1.20:8080'])).toBe('ws://192.168.1.20:8080')
    expect(shareableUrl(['ws://127.0.0.1:8080'])).toBe('ws://127.0.0.1:8080')
    expect(shareableUrl(['ws://[::1]:8080', 'ws://[fd00::5]:8080'])).toBe('ws://[fd00::5]:8080')
    expect(shareableUrl([])).toBeUndefined()
  })

  test('the same input gives the same model: the menu depends on nothing but its arguments', () => {
    expect(trayModel({ status: running(THREE), startAtLogin: false })).toEqual(trayModel({ status: running(THREE), startAtLogin: false }))
  })
})

describe('tray controller', () => {
  function controller() {
    const calls = { setImage: [] as string[], setToolTip: [] as string[], setContextMenu: 0 }
    const actions: TrayAction[] = []
    let lastTemplate: MenuItemConstructorOptions[] = []
    const tray = new TrayController({
      tray: {
        setImage: image => calls.setImage.push((image as unknown as { state: string }).state),
        setToolTip: text => calls.setToolTip.push(text),
        setContextMenu: () => void calls.setContextMenu++,
      },
      icon: state => ({ state }) as unknown as NativeImage,
      buildMenu: template => {
        lastTemplate = template
        return {} as Menu
      },
      onAction: action => actions.push(action),
    })
    return { tray, calls, actions, template: () => lastTemplate }
  }

  test('the same status changes nothing; traffic starting swaps icon, tooltip and activity line; devices coming and going rebuild the menu', () => {
    const { tray, calls } = controller()
    tray.update({ status: running(['anna-laptop']), startAtLogin: false })
    expect(calls).toEqual({ setImage: ['idle'], setToolTip: ['Switchboard: 1 device · idle (anna-laptop)'], setContextMenu: 1 })
    tray.update({ status: running(['anna-laptop']), startAtLogin: false })
    expect(calls.setToolTip).toHaveLength(1)
    tray.update({ status: running(['anna-laptop'], true), startAtLogin: false })
    tray.update({ status: running(['anna-laptop'], true), startAtLogin: false })
    expect(calls.setImage).toEqual(['idle', 'active'])
    expect(calls.setToolTip.at(-1)).toBe('Switchboard: 1 device · syncing (anna-laptop)')
    // The menu's activity line changed with it.
    expect(calls.setContextMenu).toBe(2)

    tray.update({ status: running(['anna-laptop', 'bob-phone'], true), startAtLogin: false })
    expect(calls.setContextMenu).toBe(3)
    expect(calls.setImage).toEqual(['idle', 'active'])
    tray.update({ status: running(['anna-laptop', 'bob-phone'], true), startAtLogin: true })
    expect(calls.setContextMenu).toBe(4)
    tray.update({ status: { phase: 'paused' }, startAtLogin: true })
    tray.update({ status: busy, startAtLogin: true })
    expect(calls.setImage).toEqual(['idle', 'active', 'paused', 'problem'])
    expect(calls.setContextMenu).toBe(6)
  })

  test('menu items carry their labels, states and actions into Electron\'s template', () => {
    const { tray, actions, template } = controller()
    tray.update({ status: running([]), startAtLogin: true })
    const items = template()
    expect(items[0]).toEqual({ label: 'Running on port 8080', enabled: false })
    expect(items[1]).toEqual({ label: 'no devices', enabled: false })
    expect(items[2]).toEqual({ type: 'separator' })
    const startAtLogin = items.find(item => item.label === 'Start at Login')!
    expect(startAtLogin).toMatchObject({ type: 'checkbox', checked: true })
    for (const item of items) (item.click as (() => void) | undefined)?.()
    expect(actions).toEqual(['open-dashboard', 'copy-address', 'pause', 'toggle-start-at-login', 'open-logs-folder', 'quit'])
  })

  test('menuTemplate keeps disabled entries disabled', () => {
    const [item] = menuTemplate([{ type: 'action', action: 'pause', label: 'Pause Relay', enabled: false }], () => undefined)
    expect(item).toMatchObject({ label: 'Pause Relay', enabled: false })
  })
})

describe('tray icons', () => {
  test('every state has its icon file on every platform: template PNGs on macOS (with @2x), .ico on Windows, PNG on Linux', () => {
    const dir = path.join(REPO_ROOT, 'assets/tray')
    for (const state of TRAY_ICON_STATES) {
      const mac = trayIconFile(dir, state, 'darwin')
      expect(path.basename(mac)).toBe(`tray-${state}Template.png`)
      expect(existsSync(mac) && existsSync(mac.replace('.png', '@2x.png'))).toBe(true)
      expect(path.basename(trayIconFile(dir, state, 'win32'))).toBe(`tray-${state}.ico`)
      expect(existsSync(trayIconFile(dir, state, 'win32'))).toBe(true)
      expect(existsSync(trayIconFile(dir, state, 'linux'))).toBe(true)
    }
  })

  test('the four states look different on every platform', () => {
    const dir = path.join(REPO_ROOT, 'assets/tray')
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const images = TRAY_ICON_STATES.map(state => readFileSync(trayIconFile(dir, state, platform)).toString('base64'))
      expect(new Set(images).size).toBe(TRAY_ICON_STATES.length)
    }
  })
})
