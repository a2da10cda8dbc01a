/**
 * The app around the window, inside the desktop app: whether the desktop shows a tray icon and
 * what the OS did with start at login. Where there is no tray (stock GNOME) the window is the only
 * way to the app, so it says so and carries its own Quit.
 */
import { useEffect, useState } from 'react'
import type { AppShellState, DesktopBridge } from '../../../shared/ipc-schema.js'
import './settings.css'

export function useAppShell(desktop: DesktopBridge | undefined): AppShellState | undefined {
  const [shell, setShell] = useState<AppShellState>()
  useEffect(() => {
    if (!desktop) return
    let live = true
    desktop.getShell().then(
      state => live && setShell(state),
      // Without the answer the window behaves as with a tray, which is how it always behaved.
      () => undefined,
    )
    const stop = desktop.onShell(setShell)
    return () => {
      live = false
      stop()
    }
  }, [desktop])
  return shell
}

export function NoTrayBar({ desktop }: { desktop: DesktopBridge }) {
  return (
    <div className="top no-tray" role="note">
      <p>This desktop shows no tray icons, so this window is Switchboard: closing it minimises it, or quits, as chosen in Settings.</p>
      <button type="button" onClick={() => void desktop.quit()}>
        Quit Switchboard
      </button>
    </div>
  )
}
