/**
 * Reads a settings change the window sent. Everything crossing IPC is untrusted input: the shape
 * is checked field by field here, in words the settings view can show, before the store's schema
 * checks it again.
 */
import { isIP } from 'node:net'
import type { DesktopSettings, SettingsPatch } from '../../../shared/ipc-schema.js'
import { DEFAULT_LIMITS, resolveLimits, type RelayLimits } from '../../../shared/limits.js'
import { tokenProblem, type TokenKind } from '../../../shared/access-tokens.js'
import { relayNameProblem } from '../../../shared/relay-node-options.js'
import { MAX_ADVERTISE_INTERFACES, MAX_INTERFACE_NAME_LENGTH } from './settings-schema.js'
import { accept, isPlainObject, refuse, type Parsed } from '../ipc/parsed.js'

type FieldParsers = { [K in keyof DesktopSettings]: (value: unknown) => Parsed<DesktopSettings[K]> }

const FIELDS: FieldParsers = {
  port: value =>
    Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535 ? accept(value as number) : refuse('The port must be a whole number from 1 to 65535.'),
  listenAddress: value =>
    typeof value === 'string' && (value === '' || isIP(value) !== 0)
      ? accept(value)
      : refuse('Listen on every interface, or on one IP address of this machine.'),
  advertise: value => (typeof value === 'boolean' ? accept(value) : refuse('Advertising is either on or off.')),
  advertiseInterfaces: value => {
    if (!Array.isArray(value)) return refuse('The interfaces to advertise on are a list of names.')
    if (value.length > MAX_ADVERTISE_INTERFACES) return refuse(`Pick at most ${MAX_ADVERTISE_INTERFACES} interfaces to advertise on.`)
    const valid = value.every(name => typeof name === 'string' && name.length > 0 && name.length <= MAX_INTERFACE_NAME_LENGTH)
    if (!valid) return refuse('Interface names are non-empty text.')
    return accept([...new Set(value as string[])])
  },
  relayName: value => {
    if (typeof value !== 'string') return refuse('The relay name is text.')
    const problem = relayNameProblem(value)
    return problem ? refuse(sentence(problem)) : accept(value.trim())
  },
  priority: value =>
    Number.isSafeInteger(value) && (value as number) >= 0 ? accept(value as number) : refuse('The priority is a whole number, 0 or more.'),
  adminToken: value => parseToken('admin token', value),
  accessToken: value => parseToken('access token', value),
  allowPublic: value => (typeof value === 'boolean' ? accept(value) : refuse('Accepting public addresses is either on or off.')),
  limits: parseLimits,
  history: value => (typeof value === 'boolean' ? accept(value) : refuse('Keeping recently seen devices is either on or off.')),
  startAtLogin: value => (typeof value === 'boolean' ? accept(value) : refuse('Start at login is either on or off.')),
}

/** A token, or '' for none. */
function parseToken(kind: TokenKind, value: unknown): Parsed<string> {
  if (typeof value !== 'string') return refuse(`The ${kind} is text.`)
  const problem = value === '' ? undefined : tokenProblem(kind, value)
  return problem ? refuse(sentence(`${problem}, or empty`)) : accept(value)
}

/** The shared rules' words ("the relay name is ...") as a sentence for the settings view. */
const sentence = (words: string) => `${words[0]!.toUpperCase()}${words.slice(1)}.`

/** A change to some settings: only known names, each valid; unknown names are refused, not dropped. */
export function parseSettingsPatch(input: unknown): Parsed<SettingsPatch> {
  if (!isPlainObject(input)) return refuse('Settings arrive as an object of changes.')
  const patch: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(input)) {
    if (!Object.hasOwn(FIELDS, name)) return refuse(`There is no setting called "${name.slice(0, 60)}".`)
    const parsed = FIELDS[name as keyof DesktopSettings](value)
    if (!parsed.ok) return parsed
    patch[name] = parsed.value
  }
  return accept(patch as SettingsPatch)
}

/** Limit overrides: the engine's own rules (resolveLimits) decide, so the app can never store what the relay would refuse. */
function parseLimits(value: unknown): Parsed<Partial<RelayLimits>> {
  if (!isPlainObject(value)) return refuse('Limits arrive as an object.')
  const overrides: Partial<RelayLimits> = {}
  for (const [name, limit] of Object.entries(value)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, name)) return refuse(`There is no limit called "${name.slice(0, 60)}".`)
    overrides[name as keyof RelayLimits] = limit as number
  }
  try {
    resolveLimits(overrides)
  } catch (error) {
    return refuse(`${(error as Error).message}.`)
  }
  return accept(overrides)
}
