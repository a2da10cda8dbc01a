/**
 * Preloaded (node --import) into this project's relay as users run it, the bundled CLI
 * (dist/cli/relay.mjs): answers the orchestrator's questions from inside the relay's process and
 * subscribes a dashboard to the monitoring socket on request. The dashboard lives in the relay's
 * process, so the relay's CPU figure also pays for receiving the feed: an upper bound.
 */
import { WebSocket } from 'ws'
import { MONITOR_PATH } from '../../shared/monitoring.js'
import { answerStatsQuestions } from './process-stats.js'

let dashboard: WebSocket | undefined

answerStatsQuestions({
  async monitoring(on, url) {
    dashboard?.terminate()
    dashboard = undefined
    if (!on) return
    const socket = new WebSocket(url + MONITOR_PATH)
    dashboard = socket
    await new Promise<void>((resolve, reject) => {
      socket.once('message', () => resolve())
      socket.once('error', reject)
    })
  },
  // The CLI's own graceful stop, as a user's Ctrl-C or a supervisor's SIGTERM triggers it.
  async shutdown() {
    dashboard?.terminate()
    process.kill(process.pid, 'SIGTERM')
  },
})
// The IPC channel must not keep the relay alive once its own work is done.
process.channel?.unref()
