import { isWildcardHost } from '../discovery/interfaces.js'
import type { ListeningAddress } from '../relay/relay-server.js'
import { advertisingLogger } from '../node/advertising-log.js'
import { eventLogger } from '../node/event-logger.js'
import { ListenFailure } from '../node/listen-failure.js'
import { RelayNode, type NodeProblem } from '../node/relay-node.js'
import type { AdvertisingOffReason, AdvertisingView, SkipReason } from '../../shared/relay-model.js'
import type { TlsIdentity } from '../relay/tls-or-plain.js'
import { CA_CERT_PATH } from '../../shared/relay-model.js'
import { VERSION } from '../version.js'
import { parseRelayArgs, usage, type RelayCliOptions } from './options.js'

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

  const node = new RelayNode(options, { discovery: { stateDir: options.configDir } })
  const quiet = options.verbosity === 'quiet'
  node.on('problem', problem => console.error(`switchboard: ${problemMessage(problem)}`))
  // Installed before anything is printed: a supervisor may signal the moment the address appears.
  const stopped = new Promise<void>(resolve => {
    const stop = (signal: NodeJS.Signals) => {
      // A second signal means the user does not want to wait for a graceful close.
      process.once(signal, () => process.exit(1))
      console.log(`\n${signal}: closing connections...`)
      // A failure on the way out is reported, never a reason to skip the rest of the shutdown.
      void node
        .stop()
        .catch((error: Error) => console.error(`switchboard: while stopping: ${error.message}`))
        .then(resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  // Printed once the address is: the advertising lines come after it, as the README shows.
  const advertising: AdvertisingView[] = []
  const logAdvertising = advertisingLogger({
    info: line => quiet || console.log(`  ${line}`),
    error: line => console.error(`  ${line}`),
    offReason: offReasonWords,
  })
  let printed = false
  node.on('advertising', view => (printed ? logAdvertising(view) : advertising.push(view)))
  // The moment it listens, before the certificate is made: ws:// works from then on, and is logged.
  node.once('listening', address => {
    printListening(address, options)
    if (quiet) return
    node.relay!.on(
      'event',
      eventLogger({
        verbose: options.verbosity === 'verbose',
        line: text => console.log(text),
        skipped: count => console.log(`(${count} more events not printed)`),
      }),
    )
  })
  let address: ListeningAddress
  try {
    address = await node.start()
  } catch (error) {
    console.error(`switchboard: ${error instanceof ListenFailure ? listenErrorMessage(error) : (error as Error).message}`)
    return 1
  }
  printAddresses(address, options, node.relay!.tls)
  printDashboard(address, options, node.dashboard!.built)
  printed = true
  for (const view of advertising.splice(0)) logAdvertising(view)
  // Later certificates only: the first one's names are the URLs printed above.
  node.on('certificate', identity => quiet || console.log(`  TLS: new certificate for ${identity.names.join(', ')}`))
  await stopped
  console.log('relay stopped')
  return 0
}

function printListening(address: ListeningAddress, options: RelayCliOptions): void {
  const scope = isWildcardHost(options.host) ? ' (all interfaces)' : ''
  console.log(`Switchboard relay ${VERSION} listening on ${address.url}${scope}`)
}

/** The rest of the address block, once the certificate is made (or failed): its URLs depend on it. */
function printAddresses(address: ListeningAddress, options: RelayCliOptions, tls: TlsIdentity | undefined): void {
  if (tls) console.log(`  with TLS: ${secureUrl(address.url)} (same port; CA SHA-256 ${colonHex(tls.ca.fingerprint)})`)
  for (const url of lanUrls(address)) console.log(`  on the LAN: ${url}${tls ? ` and ${secureUrl(url)}` : ''}`)
  if (tls) console.log(`  CA certificate for devices to trust: ${[...lanUrls(address), address.url][0]!.replace(/^ws/, 'http')}${CA_CERT_PATH}`)
  else if (!options.tls) console.log('  TLS: off (--no-tls)')
  for (const { name, code } of address.notOffered) console.log(`  not offered to apps: ${name} (${skipWords(code)})`)
  // The token itself is never printed: terminal output often ends up in a log.
  if (options.accessToken) console.log(`  access token required: apps use ${address.url}/<token> as the relay URL`)
  if (options.allowPublic) console.log('  accepting connections from public addresses (--allow-public)')
}

const secureUrl = (url: string) => url.replace(/^ws:/, 'wss:')

/** As devices show a fingerprint: upper-case byte pairs with colons. */
const colonHex = (hex: string) => hex.toUpperCase().replace(/(..)(?!$)/g, '$1:')

/** The URLs for apps on other devices, likeliest first: every offered one but where it listens. */
const lanUrls = (address: ListeningAddress) => address.urls.filter(url => url !== address.url)

function skipWords(code: SkipReason): string {
  switch (code) {
    case 'loopback':
      return 'loopback'
    case 'container-bridge':
      return 'container or VM bridge'
    case 'tunnel':
      return 'VPN or tunnel'
    case 'no-ipv4':
      return 'no IPv4 address'
    case 'not-listen-address':
      return 'does not hold the --host address'
    case 'not-chosen':
      return 'not named by --interface'
    case 'chosen-missing':
      return 'named by --interface, but not found'
    case 'public-only':
      return 'public addresses only; --allow-public accepts them'
  }
}

function printDashboard(address: ListeningAddress, options: RelayCliOptions, built: boolean): void {
  const [first, ...others] = [address.url, ...lanUrls(address)].map(url => `${url.replace(/^ws/, 'http')}/`)
  if (!built) {
    console.log(`  status page: ${first} (the dashboard is not built: run npm run build:dashboard)`)
    return
  }
  console.log(`  dashboard: ${first}`)
  if (others.length === 0) return
  if (options.adminToken) console.log(`  dashboard from other devices: ${others[0]} (sign in with the admin token)`)
  else console.log('  dashboard from other devices: off (start with --admin-token to allow it)')
}

function listenErrorMessage({ code, host, port, detail }: ListenFailure): string {
  const where = `port ${port}${host ? ` on ${host}` : ''}`
  switch (code) {
    case 'port-in-use':
      return `${where} is already in use; pick another with --port <n> (or PORT=<n>), or --port 0 for any free port`
    case 'port-not-allowed':
      return `not allowed to listen on ${where}; ports below 1024 need privileges, pick one above with --port <n>`
    case 'host-not-local':
      return `${host} is not an address of this machine; omit --host to listen on all interfaces`
    case 'other':
      return `cannot listen on ${where}: ${detail}`
  }
}

function offReasonWords(reason: AdvertisingOffReason, view: AdvertisingView): string {
  switch (reason) {
    case 'disabled':
      return '--no-advertise'
    case 'loopback-only':
    case 'not-running':
      return view.reason ?? reason
  }
}

function problemMessage(problem: NodeProblem): string {
  switch (problem.code) {
    case 'discovery-failed':
      return `LAN discovery did not start: ${problem.message}`
    case 'goodbyes-timed-out':
      return `mDNS goodbyes took over ${problem.timeoutMs} ms; stopped waiting`
    case 'tls-failed':
      return `TLS (wss://) is off: ${problem.message}`
    case 'goodbyes-failed':
      return `while stopping: ${problem.message}`
    case 'history-failed':
      return problem.message
  }
}

process.exitCode = await main()
