/**
 * Whether the desktop will show the app's tray icon. Electron's tray on Linux is a
 * StatusNotifierItem, shown only where a host (KDE, Xfce, Cinnamon, GNOME with the AppIndicator
 * extension, ...) runs `org.kde.StatusNotifierWatcher` on the session bus. Stock GNOME runs none,
 * and Electron's GtkStatusIcon fallback is not shown there either: the app would be unreachable.
 * macOS and Windows always show tray icons.
 */
import { execFile } from 'node:child_process'

export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher'

/** A bus that does not answer within this is as good as none. */
const BUS_TIMEOUT_MS = 2_000

/**
 * Asked with the D-Bus tools every desktop has (dbus-send, else GLib's gdbus) rather than a D-Bus
 * library. When neither can tell, the answer is no: a window too many beats an app nobody can reach.
 */
export async function hasTrayHost(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (platform !== 'linux') return true
  const dbusSend = await run('dbus-send', [
    '--session',
    '--print-reply',
    `--reply-timeout=${BUS_TIMEOUT_MS}`,
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner',
    `string:${STATUS_NOTIFIER_WATCHER}`,
  ], env)
  if (dbusSend !== 'missing') return dbusSend !== 'failed' && /\bboolean true\b/.test(dbusSend)
  const gdbus = await run('gdbus', [
    'call',
    '--session',
    '--timeout=2',
    '--dest=org.freedesktop.DBus',
    '--object-path=/org/freedesktop/DBus',
    '--method=org.freedesktop.DBus.NameHasOwner',
    STATUS_NOTIFIER_WATCHER,
  ], env)
  return gdbus !== 'missing' && gdbus !== 'failed' && gdbus.trim() === '(true,)'
}

/** The command's stdout; 'missing' when it is not installed, 'failed' when it ran and failed. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise(resolve => {
    execFile(command, args, { env, timeout: BUS_TIMEOUT_MS * 2, encoding: 'utf8' }, (error, stdout) => {
      if (!error) resolve(stdout)
      else resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'failed')
    })
  })
}
