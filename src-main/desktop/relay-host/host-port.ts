/**
 * The host's one message channel to the main process: Electron's `process.parentPort` under
 * utilityProcess, the IPC channel of a Node `child_process.fork` otherwise (tests, the bench).
 */
import type { FromRelayHost, ToRelayHost } from '../../../shared/relay-host-messages.js'

interface ElectronParentPort {
  on(event: 'message', listener: (event: { data: ToRelayHost }) => void): void
  postMessage(message: FromRelayHost): void
}

export interface HostPort {
  onMessage(listener: (message: ToRelayHost) => void): void
  send(message: FromRelayHost): void
  /** No more messages keep the process alive: it exits once the relay's sockets are closed. */
  close(): void
}

export function hostPort(): HostPort {
  const parentPort = (process as { parentPort?: ElectronParentPort & { removeAllListeners(): void } }).parentPort
  if (parentPort) {
    return {
      onMessage: listener => parentPort.on('message', event => listener(event.data)),
      send: message => parentPort.postMessage(message),
      close: () => parentPort.removeAllListeners(),
    }
  }
  if (!process.send) throw new Error('the relay host runs as a utility process or a forked child, not on its own')
  return {
    onMessage: listener => process.on('message', message => listener(message as ToRelayHost)),
    // After `close` nothing more is sent: an error event on a closed channel would end the process early.
    send: message => void (process.connected && process.send?.(message)),
    close: () => process.disconnect(),
  }
}
