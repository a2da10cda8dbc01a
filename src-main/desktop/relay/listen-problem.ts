import type { ListenFailure } from '../../node/listen-failure.js'

/** Why the relay could not listen, for the tray and the window: what happened and what to change in Settings. */
export function listenProblem({ code, host, port, detail }: ListenFailure): string {
  switch (code) {
    case 'port-in-use':
      return `Port ${port} is in use by another program; choose another port in Settings.`
    case 'port-not-allowed':
      return `Not allowed to listen on port ${port}; ports below 1024 need privileges, choose one above in Settings.`
    case 'host-not-local':
      return `${host} is not an address of this machine (any more); choose where to listen in Settings.`
    case 'other':
      return `Cannot listen on port ${port}: ${detail}`
  }
}
