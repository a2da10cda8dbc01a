/**
 * Windows tells an app that the user logs off or the machine shuts down only through messages to
 * its top-level windows (`query-session-end`, `session-end`); `before-quit` is not emitted then and
 * powerMonitor's `shutdown` is Linux and macOS only. A tray app often has no window open, so on
 * Windows one stays hidden for the whole run, only to hear those messages. It loads no page.
 */
import type { BrowserWindowConstructorOptions } from 'electron'

export const SESSION_END_WINDOW_OPTIONS: BrowserWindowConstructorOptions = {
  show: false,
  width: 1,
  height: 1,
  skipTaskbar: true,
  focusable: false,
  webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, devTools: false },
}
