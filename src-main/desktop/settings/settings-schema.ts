/**
 * The settings file's shape: defaults, the JSON schema electron-store checks every read and write
 * against, and the migrations that bring older files up to it.
 */
import type { Options, Schema } from 'electron-store'
import type { DesktopSettings } from '../../../shared/ipc-schema.js'
import { ACCESS_TOKEN_CHARACTERS, MAX_TOKEN_LENGTH, MIN_TOKEN_LENGTH } from '../../../shared/access-tokens.js'
import { DEFAULT_LIMITS, type RelayLimits } from '../../../shared/limits.js'
import { DEFAULT_PORT, MAX_RELAY_NAME_LENGTH } from '../../../shared/relay-node-options.js'

export const DEFAULT_SETTINGS: Readonly<DesktopSettings> = Object.freeze({
  port: DEFAULT_PORT,
  listenAddress: '',
  advertise: true,
  advertiseInterfaces: [],
  relayName: '',
  priority: 0,
  adminToken: '',
  accessToken: '',
  allowPublic: false,
  limits: {},
  history: true,
  startAtLogin: false,
})

export const MAX_INTERFACE_NAME_LENGTH = 256
export const MAX_ADVERTISE_INTERFACES = 32

const limitProperties = Object.fromEntries(
  Object.keys(DEFAULT_LIMITS).map(name => [name, { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }]),
) as Record<keyof RelayLimits, { type: 'integer'; minimum: number; maximum: number }>

/** The guard against hand-edited or corrupted files; IPC input is checked earlier by settings-patch.ts. */
export const SETTINGS_SCHEMA: Schema<DesktopSettings> = {
  port: { type: 'integer', minimum: 1, maximum: 65535, default: DEFAULT_SETTINGS.port },
  listenAddress: { type: 'string', anyOf: [{ const: '' }, { format: 'ipv4' }, { format: 'ipv6' }], default: DEFAULT_SETTINGS.listenAddress },
  advertise: { type: 'boolean', default: DEFAULT_SETTINGS.advertise },
  advertiseInterfaces: {
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: MAX_INTERFACE_NAME_LENGTH },
    maxItems: MAX_ADVERTISE_INTERFACES,
    uniqueItems: true,
    default: [],
  },
  relayName: { type: 'string', maxLength: MAX_RELAY_NAME_LENGTH, pattern: '^[^\\u0000-\\u001f\\u007f]*$', default: '' },
  priority: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
  adminToken: {
    type: 'string',
    anyOf: [{ const: '' }, { minLength: MIN_TOKEN_LENGTH, maxLength: MAX_TOKEN_LENGTH }],
    default: '',
  },
  accessToken: {
    type: 'string',
    anyOf: [{ const: '' }, { minLength: MIN_TOKEN_LENGTH, maxLength: MAX_TOKEN_LENGTH, pattern: ACCESS_TOKEN_CHARACTERS.source }],
    default: '',
  },
  allowPublic: { type: 'boolean', default: false },
  limits: { type: 'object', properties: limitProperties, additionalProperties: false, default: {} },
  history: { type: 'boolean', default: DEFAULT_SETTINGS.history },
  startAtLogin: { type: 'boolean', default: false },
}

type Migrations = NonNullable<Options<DesktopSettings>['migrations']>

const kebabToCamel = (name: string) => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
const asInteger = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value)

/**
 * Keyed by the app version whose layout each one produces; electron-store runs, in order, every
 * migration newer than the one a file last went through and not newer than the running app.
 * Validation waits until they have all run, so a migration may read what the schema would refuse.
 */
export const SETTINGS_MIGRATIONS: Migrations = {
  /**
   * 0.1.0, the first layout. A file that never went through a migration was written by hand (an
   * admin preparing machines, say), often in the headless relay's terms: the port as a string, and
   * limits under the CLI's flag names (`max-peers`). Those become the app's names and numbers.
   */
  '0.1.0': store => {
    const port = store.get('port') as unknown
    if (port !== undefined) store.set('port', asInteger(port) as number)
    const limits = store.get('limits') as unknown
    if (typeof limits === 'object' && limits !== null && !Array.isArray(limits)) {
      const renamed = Object.fromEntries(Object.entries(limits).map(([name, value]) => [kebabToCamel(name), asInteger(value)]))
      store.set('limits', renamed as Partial<RelayLimits>)
    }
  },
}
