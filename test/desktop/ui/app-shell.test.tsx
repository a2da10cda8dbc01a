// @vitest-environment jsdom
/**
 * The window's part of the app around it: where the desktop shows no tray icon it says it is the
 * app and quits on its own button; the Settings tab offers what closing it does; a login item
 * waiting for macOS's approval is named.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, expect, test } from 'vitest'
import { NoTrayBar, useAppShell } from '../../../src-renderer/ui/settings/app-shell.js'
import { SettingsView } from '../../../src-renderer/ui/settings/SettingsView.js'
import { ScriptedDesktop } from './scripted-desktop.js'

afterEach(cleanup)

/** The window's top as App.tsx lays it out: the bar only where the desktop has no tray. */
function Top({ desktop }: { desktop: ScriptedDesktop }) {
  const shell = useAppShell(desktop)
  return (
    <>
      {shell?.tray === false && <NoTrayBar desktop={desktop} />}
      <SettingsView desktop={desktop} shell={shell} onClearHistory={() => {}} />
    </>
  )
}

test('no tray: the window says it is the app, its Quit quits, and Settings offers what closing it does', async () => {
  const desktop = new ScriptedDesktop()
  desktop.shell = { tray: false, loginItem: 'off' }
  render(<Top desktop={desktop} />)
  expect((await screen.findByRole('note')).textContent).toContain('this window is Switchboard')
  fireEvent.click(screen.getByRole('button', { name: 'Quit Switchboard' }))
  expect(desktop.quits).toBe(1)
  const closing = (await screen.findByLabelText('Closing the window')) as HTMLSelectElement
  expect(closing.value).toBe('minimize')
  fireEvent.change(closing, { target: { value: 'quit' } })
  fireEvent.click(screen.getByRole('button', { name: 'Save' }))
  await screen.findByText('Saved.')
  expect(desktop.patches).toEqual([{ closeWithoutTray: 'quit' }])
})

test('with a tray: no bar, no choice; a login item waiting for approval is named, also when it changes later', async () => {
  const desktop = new ScriptedDesktop()
  render(<Top desktop={desktop} />)
  await screen.findByLabelText('Port')
  expect(screen.queryByRole('button', { name: 'Quit Switchboard' })).toBeNull()
  expect(screen.queryByLabelText('Closing the window')).toBeNull()
  desktop.pushShell({ tray: true, loginItem: 'requires-approval' })
  await waitFor(() => expect(screen.getByText(/Waiting for your approval/).textContent).toContain('Login Items'))
})
