import { MONITOR_PATH, type MonitorServerMessage } from '../../shared/monitoring.js'
import type { RelayDataSource } from './relay-data-source.js'

const FIRST_RETRY_MS = 500
const MAX_RETRY_MS = 5_000

/** The monitoring socket of the relay that served this page. */
export function monitorUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${MONITOR_PATH}`
}

/**
 * The relay's monitoring WebSocket. A relay that restarts or a laptop that sleeps drops the socket;
 * it is reopened with a growing delay, and the relay starts each new socket with a full snapshot.
 */
export function websocketSource(url: string, WebSocketImpl: typeof WebSocket = WebSocket): RelayDataSource {
  let socket: WebSocket | undefined
  return {
    start(handlers) {
      let stopped = false
      let retryMs = FIRST_RETRY_MS
      let retryTimer: ReturnType<typeof setTimeout> | undefined
      const open = () => {
        handlers.status('connecting')
        const current = new WebSocketImpl(url)
        socket = current
        current.onopen = () => {
          retryMs = FIRST_RETRY_MS
          handlers.status('live')
        }
        current.onmessage = event => {
          if (typeof event.data === 'string') handlers.message(JSON.parse(event.data) as MonitorServerMessage)
        }
        current.onclose = () => {
          if (socket === current) socket = undefined
          if (stopped) return
          handlers.status('offline')
          retryTimer = setTimeout(open, retryMs)
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
        }
      }
      open()
      return () => {
        stopped = true
        clearTimeout(retryTimer)
        socket?.close()
        socket = undefined
      }
    },
    send(message) {
      if (socket?.readyState !== WebSocketImpl.OPEN) return false
      socket.send(JSON.stringify(message))
      return true
    },
  }
}
