import type { MonitorClientMessage } from '../../shared/monitoring.js'
import type { RelayServer } from '../relay/relay-server.js'

/** Carries out an admin action from a dashboard, over the monitoring socket or the app's IPC alike. */
export function performAdminAction(relay: Pick<RelayServer, 'disconnectPeer' | 'closePipe' | 'clearHistory'> | undefined, request: MonitorClientMessage): { ok: boolean; message: string } {
  switch (request.type) {
    case 'disconnect-peer':
      return relay?.disconnectPeer(request.peerId)
        ? { ok: true, message: `Disconnected peer ${request.peerId}` }
        : { ok: false, message: `Peer ${request.peerId} is not connected` }
    case 'close-pipe':
      return relay?.closePipe(request.pipeId)
        ? { ok: true, message: `Closed pipe ${request.pipeId}` }
        : { ok: false, message: `Pipe ${request.pipeId} is not open` }
    case 'clear-history':
      return relay?.clearHistory()
        ? { ok: true, message: 'Cleared the recently seen devices' }
        : { ok: false, message: 'No history is kept (it is turned off)' }
  }
}
