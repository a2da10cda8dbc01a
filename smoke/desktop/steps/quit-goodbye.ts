import { MdnsEndpoint, RelayBrowser, SERVICE_NAME, relayKey, sameName, type DiscoveredRelay, type MdnsPacket } from '@switchboard/lan-mdns'
import { closeServer, listenOn } from '../../../test/helpers/processes.js'
import { eventually } from '../../../test/helpers/relay.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'
import { runningRelayPort } from './relay-status.js'

const MDNS_TIMEOUT_MS = 30_000

export const quitSaysGoodbye: SmokeStep = {
  name: 'quitting sends the relay\'s mDNS goodbye, frees its port and exits 0',
  async run(context) {
    const app = runningApp(context)
    const page = await app.window()
    const port = await runningRelayPort(page)
    const { relayName } = await page.evaluate(() => window.switchboardDesktop!.getSettings())
    const isTheApp = (relay: DiscoveredRelay) => relay.port === port && (!relayName || relay.name === `Switchboard on ${relayName}`)

    // An mDNS browser of this process's own, as any app on the LAN would have.
    const endpoint = await MdnsEndpoint.open()
    const browser = new RelayBrowser()
    browser.attach(endpoint.socket)
    try {
      await eventually(() => browser.relays.some(isTheApp), MDNS_TIMEOUT_MS, `the app's relay (port ${port}, name ${relayName || 'the host name'}) on mDNS`)
      const relay = browser.relays.find(isTheApp)!
      // The goodbye itself: the relay's PTR record sent again with TTL 0 (RFC 6762 §10.1), not
      // the browser forgetting it later because it stopped answering.
      let goodbye = false
      let down = false
      const instance = `${relay.name}.${SERVICE_NAME}`
      endpoint.socket.on('response', (packet: MdnsPacket) => {
        goodbye ||= packet.answers.some(record => record.type === 'PTR' && record.ttl === 0 && sameName(String(record.data), instance))
      })
      browser.on('down', gone => (down ||= relayKey(gone) === relayKey(relay)))

      await app.quit()
      context.app = undefined
      const exitCode = app.electron.process().exitCode
      if (exitCode !== 0) throw new Error(`the app exited with ${exitCode ?? app.electron.process().signalCode}`)
      await eventually(() => goodbye, MDNS_TIMEOUT_MS, `a goodbye (PTR, TTL 0) for "${instance}"`)
      await eventually(() => down, MDNS_TIMEOUT_MS, 'the browser to drop the relay')
    } finally {
      await browser.close()
      await endpoint.close()
    }
    // Every interface: the relay listens on all of them unless told otherwise.
    await closeServer(await listenOn(port, '0.0.0.0'))
  },
}
