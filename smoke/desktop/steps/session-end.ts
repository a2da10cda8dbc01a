import { spawnSync } from 'node:child_process'
import { MdnsEndpoint, RelayBrowser, SERVICE_NAME, sameName, type MdnsPacket } from '@switchboard/lan-mdns'
import { eventually } from '../../../test/helpers/relay.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'
import { runningRelayPort } from './relay-status.js'

const MDNS_TIMEOUT_MS = 30_000
/** WM_QUERYENDSESSION with ENDSESSION_LOGOFF, as Windows sends it to every top-level window at log-off. */
const WM_QUERYENDSESSION = 0x11
const ENDSESSION_LOGOFF = 0x80000000

/**
 * Issue 16 item 4, Windows only: log-off and shutdown reach the app only as window messages. The
 * step sends the hidden listener window the message Windows sends at log-off. Expected: the app
 * answers "not yet" (0: it delays the end), its relay's mDNS goodbye goes out, and it exits 0. It
 * is launched again for the steps after it.
 */
export const sessionEnd: SmokeStep = {
  name: 'Windows log-off (WM_QUERYENDSESSION to the app\'s hidden window): the end is delayed, the goodbye goes out, the app exits 0',
  async run(context) {
    const app = runningApp(context)
    const port = await runningRelayPort(await app.window())
    const hwnd = await app.electron.evaluate(({ BrowserWindow }) => {
      const listener = BrowserWindow.getAllWindows().find(window => !window.webContents.getURL().startsWith('app:'))
      return listener?.getNativeWindowHandle().readBigUInt64LE().toString()
    })
    if (!hwnd) throw new Error('no hidden window listens for the end of the session')

    const endpoint = await MdnsEndpoint.open()
    const browser = new RelayBrowser()
    browser.attach(endpoint.socket)
    try {
      await eventually(() => browser.relays.some(relay => relay.port === port), MDNS_TIMEOUT_MS, `the app's relay (port ${port}) on mDNS`)
      const instance = `${browser.relays.find(relay => relay.port === port)!.name}.${SERVICE_NAME}`
      let goodbye = false
      endpoint.socket.on('response', (packet: MdnsPacket) => {
        goodbye ||= packet.answers.some(record => record.type === 'PTR' && record.ttl === 0 && sameName(String(record.data), instance))
      })
      const exited = new Promise<number | null>(resolve => app.electron.process().once('exit', code => resolve(code)))
      const script = [
        "Add-Type -Namespace Smoke -Name User32 -MemberDefinition '[DllImport(\"user32.dll\")] public static extern IntPtr SendMessageTimeout(IntPtr h, uint m, UIntPtr w, IntPtr l, uint f, uint t, out UIntPtr r);'",
        '$answer = [UIntPtr]::Zero',
        `[void][Smoke.User32]::SendMessageTimeout([IntPtr]${hwnd}, ${WM_QUERYENDSESSION}, [UIntPtr]::Zero, [IntPtr]${ENDSESSION_LOGOFF}, 0, 10000, [ref]$answer)`,
        'Write-Output $answer',
      ].join('; ')
      const answer = spawnSync('powershell.exe', ['-NoProfile', '-Command', script], { encoding: 'utf8' })
      if (answer.status !== 0) throw new Error(`PowerShell could not send the message: ${answer.stderr}`)
      if (answer.stdout.trim() !== '0') throw new Error(`the app let the session end at once (answered ${answer.stdout.trim()}) instead of delaying it`)
      await eventually(() => goodbye, MDNS_TIMEOUT_MS, `a goodbye (PTR, TTL 0) for "${instance}"`)
      const code = await exited
      context.app = undefined
      if (code !== 0) throw new Error(`the app exited with ${code}`)
    } finally {
      await browser.close()
      await endpoint.close()
    }
    await context.relaunch()
  },
}
