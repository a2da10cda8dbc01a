import { parseArgs } from 'node:util'
import { tokenProblem, type TokenKind } from '../../shared/access-tokens.js'
import { DEFAULT_LIMITS, resolveLimits, type RelayLimits } from '../../shared/limits.js'
import { DEFAULT_PORT, relayNameProblem, type RelayNodeOptions } from '../../shared/relay-node-options.js'
import { checkNodeOptions } from '../node/check-options.js'

/** The node's options from the flags, and what only the terminal needs. */
export interface RelayCliOptions extends RelayNodeOptions {
  verbosity: 'quiet' | 'normal' | 'verbose'
  limits: RelayLimits
  help: boolean
  version: boolean
}

const kebab = (name: string) => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)
const LIMIT_FLAGS = Object.keys(DEFAULT_LIMITS).map(name => ({ name: name as keyof RelayLimits, flag: kebab(name) }))

const LIMIT_HELP: Record<keyof RelayLimits, string> = {
  maxControlMessageBytes: 'largest control message on an introduction socket',
  maxPipeMessageBytes: 'largest single message on a pipe',
  holdPauseBytes: 'bytes held for a waiting pipe before its sender is paused',
  maxHeldBytes: 'bytes held for a waiting pipe before it is closed (hold overflow)',
  holdTimeoutMs: 'how long a pipe waits for its partner',
  maxDocumentsPerPeer: 'documents one peer may join',
  controlMessagesPerSecond: 'sustained control messages per second from one peer',
  maxPeers: 'peers connected at once',
  maxConnectionsPerAddress: 'open WebSockets from one address',
  connectionsPerAddressPerSecond: 'new WebSockets per second from one address',
  pipeHighWaterMark: 'bytes queued for a slow receiver before its sender is paused',
  pingIntervalMs: 'server ping interval; a socket silent for one interval is dropped',
}

export function usage(): string {
  const limitLines = LIMIT_FLAGS.map(
    ({ name, flag }) => `  --${flag} <n>`.padEnd(36) + `${LIMIT_HELP[name]} (default ${DEFAULT_LIMITS[name]})`,
  )
  return [
    'Usage: npm run relay -- [options]',
    '',
    'Runs the Switchboard relay without a window: @localfirst/relay v4 clients connect to it.',
    '',
    'Options:',
    '  --host <address>'.padEnd(36) + 'interface to listen on (default: all interfaces)',
    '  --port <n>'.padEnd(36) + `port to listen on; 0 picks a free one (default: $PORT or ${DEFAULT_PORT})`,
    '  --no-advertise'.padEnd(36) + 'do not announce the relay on the LAN over mDNS (_lf-relay._tcp)',
    '  --interface <name>'.padEnd(36) + 'advertise on this network interface only; repeat for more (default: every',
    ''.padEnd(36) + 'interface that leads to the LAN, not loopback, container bridges or VPNs)',
    '  --name <name>'.padEnd(36) + 'other devices see "Switchboard on <name>" (default: this machine\'s host name)',
    '  --priority <n>'.padEnd(36) + 'rank among relays on one LAN: clients pick the highest priority, then the',
    ''.padEnd(36) + 'relay running longest (default 0)',
    '  --token <token>'.padEnd(36) + 'require this access token from every app (or $SWITCHBOARD_TOKEN); apps use',
    ''.padEnd(36) + 'ws://<host>:<port>/<token> as the relay URL; letters, digits, . _ ~ -, 12 or more',
    '  --allow-public'.padEnd(36) + 'accept connections from public addresses too (default: loopback, private and',
    ''.padEnd(36) + 'link-local addresses only)',
    '  --no-history'.padEnd(36) + 'keep no record of the devices seen in the last 7 days (kept by default, in',
    ''.padEnd(36) + '~/.config/switchboard/history/, owner-only, document ids only as keyed hashes)',
    '  --admin-token <token>'.padEnd(36) + 'let other machines open the dashboard with this token (or $SWITCHBOARD_ADMIN_TOKEN,',
    ''.padEnd(36) + 'which other users cannot see in the process list); at least 12 characters',
    '  --quiet'.padEnd(36) + 'print only the address and errors',
    '  --verbose'.padEnd(36) + 'print every relay event (joins, pipes, ...)',
    '  --version'.padEnd(36) + 'print the version and exit',
    '  --help'.padEnd(36) + 'print this help and exit',
    '',
    'Limits:',
    ...limitLines,
    '',
  ].join('\n')
}

/** Throws an Error whose message is meant for the user when the arguments make no sense. */
export function parseRelayArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): RelayCliOptions {
  const limitOptions = Object.fromEntries(LIMIT_FLAGS.map(({ flag }) => [flag, { type: 'string' as const }]))
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'no-advertise': { type: 'boolean', default: false },
      interface: { type: 'string', multiple: true },
      name: { type: 'string' },
      priority: { type: 'string' },
      'admin-token': { type: 'string' },
      token: { type: 'string' },
      'allow-public': { type: 'boolean', default: false },
      'no-history': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
      ...limitOptions,
    },
  })
  const limitOverrides: Partial<RelayLimits> = {}
  for (const { name, flag } of LIMIT_FLAGS) {
    const raw = (values as Record<string, unknown>)[flag]
    if (typeof raw === 'string') limitOverrides[name] = parseInteger(raw, `--${flag}`, 1)
  }
  const adminToken = parseToken('admin token', (values['admin-token'] as string | undefined) ?? (env.SWITCHBOARD_ADMIN_TOKEN || undefined))
  const accessToken = parseToken('access token', (values.token as string | undefined) ?? (env.SWITCHBOARD_TOKEN || undefined))
  const portText = (values.port as string | undefined) ?? env.PORT ?? String(DEFAULT_PORT)
  const portSource = values.port !== undefined ? '--port' : env.PORT !== undefined ? 'PORT' : 'default port'
  const port = parseInteger(portText, portSource, 0)
  if (port > 65535) throw new Error(`${portSource} must be between 0 and 65535, got ${portText}`)
  if (values.quiet && values.verbose) throw new Error('--quiet and --verbose cannot be used together')
  const name = values.name as string | undefined
  const nameProblem = name === undefined ? undefined : relayNameProblem(name)
  if (nameProblem) throw new Error(`--name: ${nameProblem}`)
  const options: RelayCliOptions = {
    host: values.host as string | undefined,
    port,
    advertise: !values['no-advertise'],
    interfaces: (values.interface as string[] | undefined) ?? [],
    name: name || undefined,
    priority: values.priority === undefined ? 0 : parseInteger(values.priority as string, '--priority', 0),
    adminToken,
    accessToken,
    allowPublic: Boolean(values['allow-public']),
    history: !values['no-history'],
    verbosity: values.quiet ? 'quiet' : values.verbose ? 'verbose' : 'normal',
    limits: resolveLimits(limitOverrides),
    help: Boolean(values.help),
    version: Boolean(values.version),
  }
  // Each flag was checked above in its own words; the node's rules across options (the two tokens
  // must differ) are checked once, by the node's own check.
  checkNodeOptions(options)
  return options
}

function parseToken(kind: TokenKind, token: string | undefined): string | undefined {
  if (token === undefined) return undefined
  const problem = tokenProblem(kind, token)
  if (problem) throw new Error(problem)
  return token
}

function parseInteger(text: string, name: string, min: number): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`${name} must be a whole number, got "${text}"`)
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be at least ${min}, got ${text}`)
  return value
}
