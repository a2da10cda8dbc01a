/**
 * The relay as the desktop app hosts it (src-main/desktop/desktop-app.ts): a RelayLifecycle from the
 * default settings (loopback, so nothing is advertised) with the node in the relay host process
 * (forked as a Node child, as the tests stand it in for Electron's utility process), its activity
 * log written to a file, and the dashboard window's monitoring subscription, whose messages Electron
 * would structured-clone into the window. What Electron itself draws (tray, window) cannot run here;
 * the event-loop delay of this process, the main one, is what the tray and window would wait for.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { settingsNodeOptions } from '../../shared/settings-node-options.js'
import { fileURLToPath } from 'node:url'
import { forkHost } from '../../src-main/desktop/relay-host/fork-host.js'
import { logLifecycle } from '../../src-main/desktop/logs/activity-log.js'
import { LogFile } from '../../src-main/desktop/logs/log-file.js'
import { RelayLifecycle } from '../../src-main/desktop/relay/relay-lifecycle.js'
import { DEFAULT_SETTINGS } from '../../src-main/desktop/settings/settings-schema.js'
import type { MonitorSink } from '../../src-main/monitoring/monitor-publisher.js'
import type { RelayHandle } from './handle.js'

export async function startDesktopRelay(): Promise<RelayHandle> {
  const logDir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-desktop-'))
  const lifecycle = new RelayLifecycle(settingsNodeOptions({ ...DEFAULT_SETTINGS, port: 0, listenAddress: '127.0.0.1' }), {
    // This file runs bundled as dist/bench/host.mjs, beside dist/desktop/.
    host: { spawn: forkHost(fileURLToPath(new URL('../desktop/relay-host.mjs', import.meta.url))), setup: { frontEnd: 'app', stateDir: logDir } },
  })
  logLifecycle(lifecycle, new LogFile({ file: path.join(logDir, 'switchboard.log') }))
  const window: MonitorSink = { open: true, queuedBytes: 0, send: message => void structuredClone(message.message) }
  lifecycle.monitor.subscribe(window, { capped: false })
  await lifecycle.start()
  const status = lifecycle.status
  if (status.phase !== 'running') throw new Error(`the desktop relay did not start: ${JSON.stringify(status)}`)
  return {
    url: `ws://127.0.0.1:${status.port}`,
    close: async () => {
      await lifecycle.quit()
      rmSync(logDir, { recursive: true, force: true })
    },
  }
}
