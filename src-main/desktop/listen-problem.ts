import type { EngineOptions } from './relay-lifecycle.js'

/** Why the relay could not listen, for the tray and the window: what happened and what to change. */
export function listenProblem(error: NodeJS.ErrnoException, { host, port }: Pick<EngineOptions, 'host' | 'port'>): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `Port ${port} is in use by another program; choose another port in Settings.`
    case 'EACCES':
      return `Not allowed to listen on port ${port}; ports below 1024 need privileges, choose one above in Settings.`
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `${host} is not an address of this machine (any more); choose where to listen in Settings.`
    default:
      return `Cannot listen on port ${port}: ${error.message}`
  }
}
