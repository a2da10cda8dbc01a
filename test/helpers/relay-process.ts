/**
 * A relay under test as a separate process, as users run it: Switchboard's bundled headless relay, or
 * the published `@localfirst/relay` server's own start script. Tests that must hold for both take a
 * `RelayKind` and read the relay only from outside: sockets, the published Client, and (where the
 * relay has one) `GET /health`.
 */
import type { RelayCounts } from '../../shared/relay-model.js'
import { CliProcess, fetchHealth, freePort, startCliRelay } from './processes.js'

export type RelayKind = 'switchboard' | 'published'

export interface RelayProcess {
  kind: RelayKind
  url: string
  port: number
  /** The relay's own counts, for a relay that tells them (the published server has no health endpoint). */
  counts?: () => Promise<RelayCounts>
  stop(): Promise<void>
}

const PUBLISHED_START = 'node_modules/@localfirst/relay/dist/start.js'

export async function startRelayProcess(kind: RelayKind): Promise<RelayProcess> {
  if (kind === 'switchboard') {
    const { cli, port } = await startCliRelay(['--quiet'])
    return {
      kind,
      url: `ws://127.0.0.1:${port}`,
      port,
      counts: async () => (await fetchHealth(port)).counts,
      stop: async () => void (await cli.stop()),
    }
  }
  const port = await freePort()
  const cli = new CliProcess(process.execPath, [PUBLISHED_START], { ...process.env, PORT: String(port), NODE_NO_WARNINGS: '1' })
  await cli.waitForLine(/Listening at/)
  return { kind, url: `ws://127.0.0.1:${port}`, port, stop: async () => void (await cli.stop()) }
}
