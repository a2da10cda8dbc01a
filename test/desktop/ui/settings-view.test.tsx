// @vitest-environment jsdom
/**
 * The settings view in the window, over a scripted DesktopBridge: it shows the stored settings
 * and the relay's status, saves only what changed, shows the app's refusals, and follows changes
 * made elsewhere.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, test } from 'vitest'
import { SettingsView } from '../../../src-renderer/ui/settings/SettingsView.js'
import { STORED, ScriptedDesktop } from './scripted-desktop.js'

afterEach(cleanup)


async function renderView(desktop = new ScriptedDesktop(), onClearHistory = () => {}) {
  render(<SettingsView desktop={desktop} onClearHistory={onClearHistory} />)
  await screen.findByLabelText('Port')
  return desktop
}

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save' }))

describe('settings view', () => {
  test('shows the stored settings, the relay\'s status and the machine\'s interfaces', async () => {
    await renderView()
    expect(input('Port').value).toBe('8080')
    expect(input('Peers at once').value).toBe('500')
    expect(input('Ping interval (ms)').placeholder).toBe('30000')
    expect(screen.getByText('Relay running on port 8080.')).toBeTruthy()
    const listenOn = screen.getByLabelText('Listen on') as HTMLSelectElement
    expect([...listenOn.options].map(option => option.textContent)).toEqual([
      'Every interface',
      'This computer only',
      '192.168.1.20 (eth0)',
      '10.0.0.7 (wlan0)',
      'fd00::7 (wlan0)',
    ])
    expect(screen.getByLabelText('eth0 (192.168.1.20)')).toBeTruthy()
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true)
  })

  test('saves only what changed, in the app\'s types', async () => {
    const desktop = await renderView()
    fireEvent.change(input('Port'), { target: { value: '9000' } })
    fireEvent.click(screen.getByLabelText('wlan0 (10.0.0.7, fd00::7)'))
    fireEvent.change(input('Peers at once'), { target: { value: '' } })
    fireEvent.change(input('Ping interval (ms)'), { target: { value: '10000' } })
    fireEvent.change(screen.getByLabelText('Listen on'), { target: { value: '192.168.1.20' } })
    fireEvent.click(screen.getByLabelText('Start Switchboard when I log in'))
    save()
    await screen.findByText('Saved.')
    expect(desktop.patches).toEqual([
      { port: 9000, listenAddress: '192.168.1.20', advertiseInterfaces: ['wlan0'], limits: { pingIntervalMs: 10_000 }, startAtLogin: true },
    ])
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true)
  })

  test('says before saving when a change restarts the relay (port, listen address), and only then', async () => {
    const desktop = await renderView()
    const notice = () => screen.queryByRole('note')?.textContent
    fireEvent.change(input('Priority'), { target: { value: '3' } })
    fireEvent.change(input('Relay name'), { target: { value: 'studio' } })
    fireEvent.change(input('Peers at once'), { target: { value: '10' } })
    expect(notice()).toBeUndefined()
    fireEvent.change(input('Port'), { target: { value: '9000' } })
    expect(notice()).toBe('Changing the port restarts the relay: every app reconnects.')
    fireEvent.change(screen.getByLabelText('Listen on'), { target: { value: '192.168.1.20' } })
    expect(notice()).toBe('Changing where the relay listens and the port restarts the relay: every app reconnects.')
    fireEvent.change(input('Port'), { target: { value: '8080' } })
    fireEvent.change(screen.getByLabelText('Listen on'), { target: { value: '' } })
    expect(notice()).toBeUndefined()
    save()
    await screen.findByText('Saved.')
    expect(desktop.patches).toEqual([{ relayName: 'studio', priority: 3, limits: { maxPeers: 10 } }])
    desktop.pushStatus({ phase: 'starting', port: 9000, restart: ['port'] })
    expect(screen.getByText('Relay restarting on port 9000: every app reconnects…')).toBeTruthy()
  })

  test('the app\'s refusal is shown, and the edit is kept for fixing', async () => {
    const desktop = await renderView()
    desktop.refuseWith = 'The admin token must be at least 12 characters long, or empty.'
    fireEvent.change(input('Admin token'), { target: { value: 'short' } })
    save()
    expect((await screen.findByRole('alert')).textContent).toBe('The admin token must be at least 12 characters long, or empty.')
    expect(input('Admin token').value).toBe('short')
  })

  test('a busy port shows as the relay\'s status, as it changes', async () => {
    const desktop = await renderView()
    desktop.pushStatus({ phase: 'error', port: 8080, message: 'Port 8080 is in use by another program; choose another port in Settings.' })
    expect(screen.getByText('Relay not running: Port 8080 is in use by another program; choose another port in Settings.').className).toContain('problem')
    desktop.pushStatus({ phase: 'paused' })
    expect(screen.getByText('Relay paused (resume it from the tray).')).toBeTruthy()
  })

  test('changes made elsewhere (the tray) show up unless the user is editing', async () => {
    const desktop = await renderView()
    desktop.pushSettings({ ...STORED, startAtLogin: true })
    expect((screen.getByLabelText('Start Switchboard when I log in') as HTMLInputElement).checked).toBe(true)
    fireEvent.change(input('Port'), { target: { value: '9100' } })
    desktop.pushSettings({ ...STORED, startAtLogin: false })
    expect(input('Port').value).toBe('9100')
    fireEvent.click(screen.getByRole('button', { name: 'Revert' }))
    expect(input('Port').value).toBe('8080')
    expect((screen.getByLabelText('Start Switchboard when I log in') as HTMLInputElement).checked).toBe(false)
  })

  test('a listen address or interface that is not on this computer any more is still shown', async () => {
    const desktop = new ScriptedDesktop()
    desktop.settings = { ...STORED, listenAddress: '192.168.9.9', advertiseInterfaces: ['eth9'] }
    await renderView(desktop)
    expect((screen.getByLabelText('Listen on') as HTMLSelectElement).value).toBe('192.168.9.9')
    expect((screen.getByLabelText('eth9 (not on this computer now)') as HTMLInputElement).checked).toBe(true)
  })

  test('open logs folder asks the app', async () => {
    const desktop = await renderView()
    fireEvent.click(screen.getByRole('button', { name: 'Open logs folder' }))
    await waitFor(() => expect(desktop.logsOpened).toBe(1))
  })

  test('turns the recently-seen history off, and asks for it to be cleared only while it is kept', async () => {
    let clears = 0
    const desktop = await renderView(new ScriptedDesktop(), () => clears++)
    const clear = () => screen.getByRole('button', { name: 'Clear recently seen' }) as HTMLButtonElement
    fireEvent.click(clear())
    expect(clears).toBe(1)
    fireEvent.click(screen.getByLabelText('Remember the devices seen in the last 7 days'))
    save()
    await screen.findByText('Saved.')
    expect(desktop.patches).toEqual([{ history: false }])
    expect(clear().disabled).toBe(true)
  })

  test('settings that cannot be read say so', async () => {
    const desktop = new ScriptedDesktop()
    desktop.getSettings = async () => {
      throw new Error('Refused')
    }
    render(<SettingsView desktop={desktop} onClearHistory={() => {}} />)
    expect((await screen.findByRole('alert')).textContent).toBe('The settings could not be read: Refused')
  })
})
