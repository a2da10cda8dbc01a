import type { Page } from 'playwright-core'
import type { RelayStatus } from '../../../shared/ipc-schema.js'

/** The port of the app's relay, once it runs, as the window's desktop bridge reports it. */
export async function runningRelayPort(page: Page): Promise<number> {
  const status = await page.waitForFunction(
    async () => {
      const status: RelayStatus | undefined = await window.switchboardDesktop?.getRelayStatus()
      return status?.phase === 'running' ? status.port : undefined
    },
    undefined,
    { timeout: 30_000 },
  )
  return (await status.jsonValue()) as number
}
