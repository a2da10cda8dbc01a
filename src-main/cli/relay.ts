import { describeAdvertisingChange } from '../discovery/advertising-format.js'
import { RelayDiscovery } from '../discovery/relay-discovery.js'
import { DashboardExtension } from '../monitoring/dashboard-extension.js'
import { RelayServer, type ListeningAddress } from '../relay/relay-server.js'
import { formatEvent, isNotable } from '../relay/event-format.js'
import { isWildcardHost } from '../relay/addresses.js'
import type { AdvertisingView } from '../../shared/relay-model.js'
import { VERSION } from '../version.js'
import { parseRelayArgs, usage, type RelayCliOptions } from './options.js'

/** Log lines per second before the rest are counted instead of printed, so a flood cannot stall the relay. */
const LOG_LINES_PER_SECOND = 50

async function main(): Promise<number> {
  let options: RelayCliOptions
  try {
    options = parseRelayArgs(process.argv.slice(2))
  } catch (error) {
    console.error(`switchboard: ${(error as Error).message}\nRun with --help to see every option.`)
    return 2
  }
  if (options.help) {
    process.stdout.write(usage())
    return 0
  }
  if (options.version) {
    console.log(VERSION)
    return 0
  }

  const relay = new RelayServer({
    host: options.host,
    port: options.port,
    limits: options.limits,
    access: { token: options.accessToken, allowPublic: options.allowPublic },
  })
  const dashboard = new DashboardExtension(relay, { adminToken: options.adminToken })
  relay.use(dashboard)
  let discovery: RelayDiscovery | undefined
  // Installed before anything is printed: a supervisor may signal the moment the address appears.
  const stopped = new Promise<void>(resolve => {
    const stop = (signal: NodeJS.Signals) => {
      // A second signal means the user does not want to wait for a graceful close.
      process.once(signal, () => process.exit(1))
      console.log(`\n${signal}: closing connections...`)
      // Goodbyes first, awaited, so that other hosts drop the relay and its clients move at once.
      // A failure on the way out is reported, never a reason to skip the rest of the shutdown.
      const report = (error: Error) => console.error(`switchboard: while stopping: ${error.message}`)
      void Promise.resolve(discovery?.stop())
        .catch(report)
        .then(() => relay.close())
        .catch(report)
        .then(resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  let address: ListeningAddress
  try {
    address = await relay.listen()
  } catch (error) {
    console.error(`switchboard: ${listenErrorMessage(error as NodeJS.ErrnoException, options)}`)
    return 1
  }
  printAddresses(address, options)
  printDashboard(address, options, dashboard.built)
  discovery = new RelayDiscovery(relay, {
    advertise: options.advertise,
    interfaces: options.interfaces,
    priority: options.priority,
    tokenRequired: options.accessToken !== undefined,
  })
  logAdvertising(discovery, options.verbosity === 'quiet')
  if (options.verbosity !== 'quiet') logEvents(relay, options.verbosity === 'verbose')

  await stopped
  console.log('relay stopped')
  return 0
}

function printAddresses(address: ListeningAddress, options: RelayCliOptions): void {
  const [first, ...others] = address.urls
  const scope = isWildcardHost(options.host) ? ' (all interfaces)' : ''
  console.log(`Switchboard relay ${VERSION} listening on ${first}${scope}`)
  for (const url of others) console.log(`  on the LAN: ${url}`)
  // The token itself is never printed: terminal output often ends up in a log.
  if (options.accessToken) console.log(`  access token required: apps use ${first}/<token> as the relay URL`)
  if (options.allowPublic) console.log('  accepting connections from public addresses (--allow-public)')
}

function printDashboard(address: ListeningAddress, options: RelayCliOptions, built: boolean): void {
  const [first, ...others] = address.urls.map(url => `${url.replace(/^ws/, 'http')}/`)
  if (!built) {
    console.log(`  status page: ${first} (the dashboard is not built: run npm run build:dashboard)`)
    return
  }
  console.log(`  dashboard: ${first}`)
  if (others.length === 0) return
  if (options.adminToken) console.log(`  dashboard from other devices: ${others[0]} (sign in with the admin token)`)
  else console.log('  dashboard from other devices: off (start with --admin-token to allow it)')
}

function listenErrorMessage(error: NodeJS.ErrnoException, options: RelayCliOptions): string {
  const where = `port ${options.port}${options.host ? ` on ${options.host}` : ''}`
  switch (error.code) {
    case 'EADDRINUSE':
      return `${where} is already in use; pick another with --port <n> (or PORT=<n>), or --port 0 for any free port`
    case 'EACCES':
      return `not allowed to listen on ${where}; ports below 1024 need privileges, pick one above with --port <n>`
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `${options.host} is not an address of this machine; omit --host to listen on all interfaces`
    default:
      return `cannot listen on ${where}: ${error.message}`
  }
}

function logAdvertising(discovery: RelayDiscovery, quiet: boolean): void {
  let last: AdvertisingView | undefined
  const print = (view: AdvertisingView) => {
    const { info, errors } = describeAdvertisingChange(last, view)
    last = view
    if (!quiet) for (const line of info) console.log(`  ${line}`)
    for (const line of errors) console.error(`  ${line}`)
  }
  discovery.on('change', print)
  print(discovery.view)
}

function logEvents(relay: RelayServer, verbose: boolean): void {
  let windowStart = Date.now()
  let printed = 0
  let suppressed = 0
  relay.on('event', event => {
    if (!verbose && !isNotable(event)) return
    const now = Date.now()
    if (now - windowStart >= 1000) {
      if (suppressed > 0) console.log(`(${suppressed} more events not printed)`)
      windowStart = now
      printed = 0
      suppressed = 0
    }
    if (printed++ < LOG_LINES_PER_SECOND) console.log(formatEvent(event))
    else suppressed++
  })
}

process.exitCode = await main()
