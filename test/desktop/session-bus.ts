/**
 * A private D-Bus session bus (the real dbus-daemon) for the tray-host probe, and a stand-in
 * StatusNotifierItem host on it: a process that owns `org.kde.StatusNotifierWatcher`, as a KDE,
 * Xfce or AppIndicator-extension session does. Needs dbus-daemon and python3-dbus.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { STATUS_NOTIFIER_WATCHER } from '../../src-main/desktop/tray/tray-host.js'
import { PYTHON } from '../helpers/netns.js'

export class SessionBus {
  private readonly children: ChildProcess[] = []

  private constructor(readonly address: string, daemon: ChildProcess) {
    this.children.push(daemon)
  }

  static async start(): Promise<SessionBus> {
    const socket = path.join(mkdtempSync(path.join(tmpdir(), 'switchboard-bus-')), 'bus')
    const daemon = spawn('dbus-daemon', ['--session', '--nofork', `--address=unix:path=${socket}`, '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const address = await firstLine(daemon, 'dbus-daemon')
    return new SessionBus(address, daemon)
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, DBUS_SESSION_BUS_ADDRESS: this.address }
  }

  /** A tray host joins the session; resolves once it owns the watcher's name. Returns a function that ends it. */
  async startTrayHost(): Promise<() => Promise<void>> {
    const script = `import dbus, sys\nbus = dbus.SessionBus()\nbus.request_name(${JSON.stringify(STATUS_NOTIFIER_WATCHER)})\nprint('owned', flush=True)\nsys.stdin.read()\n`
    const host = spawn(PYTHON, ['-c', script], { env: this.env, stdio: ['pipe', 'pipe', 'inherit'] })
    this.children.push(host)
    await firstLine(host, 'the tray host')
    return async () => {
      const exited = new Promise(resolve => host.once('exit', resolve))
      host.kill()
      await exited
    }
  }

  close(): void {
    for (const child of this.children) child.kill()
  }
}

function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
      if (text.includes('\n')) resolve(text.split('\n')[0]!.trim())
    })
    child.once('exit', code => reject(new Error(`${what} exited (${code}) before it was ready`)))
  })
}
