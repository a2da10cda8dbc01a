/** Why a relay could not listen, as a code each front end words in its own terms. */
export type ListenFailureCode = 'port-in-use' | 'port-not-allowed' | 'host-not-local' | 'other'

export class ListenFailure extends Error {
  constructor(
    readonly code: ListenFailureCode,
    readonly host: string | undefined,
    readonly port: number,
    /** The system's own words, for `other`. */
    readonly detail: string,
  ) {
    super(`cannot listen on ${host ?? '*'}:${port}: ${code} (${detail})`)
  }

  static from(error: NodeJS.ErrnoException, host: string | undefined, port: number): ListenFailure {
    return new ListenFailure(listenFailureCode(error.code), host, port, error.message)
  }
}

function listenFailureCode(errno: string | undefined): ListenFailureCode {
  switch (errno) {
    case 'EADDRINUSE':
      return 'port-in-use'
    case 'EACCES':
      return 'port-not-allowed'
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return 'host-not-local'
    default:
      return 'other'
  }
}
