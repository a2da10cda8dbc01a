import { tokenProblem } from '../../shared/access-tokens.js'
import { resolveLimits } from '../../shared/limits.js'
import { relayNameProblem, type RelayNodeOptions } from '../../shared/relay-node-options.js'

/**
 * Throws, in words for the user, when options cannot run: checked before anything is started or
 * changed, so a refused reconfigure leaves the running relay exactly as it was.
 */
export function checkNodeOptions(options: RelayNodeOptions): void {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`the port must be between 0 and 65535, got ${options.port}`)
  if (!Number.isSafeInteger(options.priority) || options.priority < 0) throw new RangeError(`the priority must be a whole number of at least 0, got ${options.priority}`)
  resolveLimits(options.limits)
  const nameProblem = options.name === undefined ? undefined : relayNameProblem(options.name)
  if (nameProblem) throw new RangeError(nameProblem)
  for (const [kind, token] of [['access token', options.accessToken], ['admin token', options.adminToken]] as const) {
    const problem = token === undefined ? undefined : tokenProblem(kind, token)
    if (problem) throw new RangeError(problem)
  }
  if (options.accessToken !== undefined && options.accessToken === options.adminToken) {
    throw new RangeError('the admin token must differ from the access token: every app knows the access token')
  }
}
