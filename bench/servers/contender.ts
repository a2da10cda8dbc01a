/**
 * The orchestrator's handle on one server child process. This project's relay runs as users run
 * it, the bundled CLI with plain node, with the bench's agent preloaded; the other contenders run
 * in the bench's own host process (bundled too).
 */
import { RELAY_BUNDLE, benchBundle, pinning, startChild, stopChild, type Child } from '../processes.js'
import type { FrameMasking, RelayHealth } from '../../shared/relay-model.js'
import { CONTENDERS, type ContenderName, type ServerStats } from '../types.js'

export interface RunningServer {
  name: ContenderName
  url: string
  pid: number
  stats(): Promise<ServerStats>
  statsAfterGc(): Promise<ServerStats>
  setMonitoring(on: boolean): Promise<void>
  stop(): Promise<void>
}

export interface ServerOptions {
  /** Directory for a V8 CPU profile of the server process, written when it exits. */
  cpuProfileDir?: string
}

/**
 * Limits that would refuse the bench's own load (it opens thousands of sockets from one address)
 * are raised; every other limit keeps its default, so backpressure, hold buffers and accounting are
 * measured as shipped.
 */
const RELAY_ARGS = [
  '--host', '127.0.0.1', '--port', '0', '--no-advertise', '--quiet',
  '--max-peers', '100000', '--max-connections-per-address', '100000', '--connections-per-address-per-second', '100000',
]
const LISTENING = /listening on (ws:\/\/\S+)/
/**
 * The last line of the address block, printed once the relay has finished starting (its TLS
 * certificate made, off its main thread): measurements begin after that, not while it is starting.
 */
const STARTED = /^\s+dashboard: /m

export async function startServer(name: ContenderName, options: ServerOptions = {}): Promise<RunningServer> {
  const { relay, masking } = CONTENDERS[name]
  const nodeFlags = ['--expose-gc']
  if (options.cpuProfileDir) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}/${name}`)
  const env = { WS_NO_BUFFER_UTIL: masking === 'js' ? '1' : undefined }
  const ours = relay === 'switchboard'
  const child: Child = ours
    ? startChild(RELAY_BUNDLE, RELAY_ARGS, { cpu: pinning?.server, nodeFlags: [...nodeFlags, '--import', benchBundle('relay-agent')], pipeStdout: true, env })
    : startChild(benchBundle('host'), [relay], { cpu: pinning?.server, nodeFlags, env })
  const started = new Promise<{ url: string; masking?: FrameMasking }>((resolve, reject) => {
    if (ours) {
      let printed = ''
      child.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        printed += chunk
        const match = LISTENING.exec(printed)
        if (match && STARTED.test(printed)) resolve({ url: match[1]! })
      })
    }
    child.process.on('message', (message: { ready?: string; masking?: FrameMasking; failed?: string }) => {
      if (message.ready) resolve({ url: message.ready, masking: message.masking })
      if (message.failed) reject(new Error(`${name} relay failed to start: ${message.failed}`))
    })
    child.exited.then(code => reject(new Error(`${name} relay exited with code ${code} before it was ready`)))
  })
  const { url, masking: reported } = await started
  // A contender that does not unmask as its name says would make every ratio a lie.
  const actual = reported ?? ((await (await fetch(`${url.replace(/^ws/, 'http')}/health`)).json()) as RelayHealth).masking
  if (actual !== masking) {
    await stopChild(child)
    throw new Error(`${name} should unmask frames in ${masking} but its process uses ${actual}`)
  }
  return {
    name,
    url,
    pid: child.process.pid!,
    stats: () => child.rpc.call<ServerStats>('stats'),
    statsAfterGc: () => child.rpc.call<ServerStats>('statsAfterGc'),
    setMonitoring: on => child.rpc.call<void>('monitoring', on, url),
    stop: () => stopChild(child, () => child.rpc.call('shutdown'), 5000),
  }
}
