/**
 * What one relay node runs with, whichever front end (the CLI's flags, the app's settings) it came
 * from, and the rule for which changes need a new listening socket. Pure data and pure functions:
 * the settings view calls `restartNeeded` before anything is applied, to say what a save will do.
 */
import type { RelayLimits } from './limits.js'

/** The port the relay listens on when none is given. */
export const DEFAULT_PORT = 8080

export interface RelayNodeOptions {
  /** undefined listens on every interface. */
  host: string | undefined
  /** 0 picks a free port. */
  port: number
  /** Overrides of the engine's defaults (shared/limits.ts). */
  limits: Partial<RelayLimits>
  /** Every app must present it when set (shared/access-tokens.ts). */
  accessToken: string | undefined
  /** Accept apps from public addresses too; by default only loopback, private and link-local ones. */
  allowPublic: boolean
  /** Lets other devices open the dashboard; without it only this machine sees it. */
  adminToken: string | undefined
  /** Other devices see "Switchboard on <name>"; undefined for this machine's host name. */
  name: string | undefined
  /** Rank among relays on one LAN: clients pick the highest (chooseRelay in @switchboard/lan-mdns). */
  priority: number
  /** Announce the relay on the LAN over mDNS. */
  advertise: boolean
  /** Interfaces to advertise on, and no others; empty: every interface that leads to the LAN. */
  interfaces: string[]
  /**
   * Keep the devices and peers seen in the last 7 days, across restarts, in an owner-only file
   * (no document id in clear). Turning it off forgets what was kept.
   */
  history: boolean
}

/** The name ends up in a DNS label ("Switchboard on <name>", `<name>.local`). */
export const MAX_RELAY_NAME_LENGTH = 63

/** Why a relay name cannot be used, in words for the user; undefined when it can. */
export function relayNameProblem(name: string): string | undefined {
  if (name.length > MAX_RELAY_NAME_LENGTH) return `the relay name is at most ${MAX_RELAY_NAME_LENGTH} characters`
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the relay name cannot hold control characters'
  return undefined
}

/** Options that only a new listening socket can change: a change to one restarts the relay. */
export const RESTART_OPTIONS = ['host', 'port'] as const satisfies readonly (keyof RelayNodeOptions)[]

export type RestartCause = (typeof RESTART_OPTIONS)[number]

/** Which of the changes from `before` to `after` restart the relay (and drop every connection); empty: none do. */
export function restartNeeded(before: Pick<RelayNodeOptions, RestartCause>, after: Pick<RelayNodeOptions, RestartCause>): RestartCause[] {
  return RESTART_OPTIONS.filter(name => before[name] !== after[name])
}
