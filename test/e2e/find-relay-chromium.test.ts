/**
 * lan-client's browser helper in Debian's Chromium, loaded by a web app as it is: `findRelay` finds
 * the relay under lf-relay.local, the page's published Client pipes messages with a Node peer through
 * it, and every candidate that fails says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBrowser, type BrowserSession } from './chromium.js'
import type { InPage, WebAppApi } from './web-app.js'
import { APP_HOST, UNKNOWN_HOST, expectPipeWithNodePeer, failuresOf, openApp, openWebAppWorld, type WebAppWorld } from './web-app-world.js'

declare const webApp: WebAppApi

/** Chromium resolves the test's names to loopback; the relay's default port 8080 goes to the relay's real one. */
function hostRules(world: WebAppWorld): string {
  const rules = [`MAP lf-relay.local:8080 127.0.0.1:${world.relay.port}`, 'MAP lf-relay.local 127.0.0.1', `MAP ${APP_HOST} 127.0.0.1`, `MAP ${UNKNOWN_HOST} ~NOTFOUND`]
  return `--host-resolver-rules=${rules.join(', ')}`
}

describe('findRelay in Chromium, from a web app served over http', () => {
  let world: WebAppWorld
  let session: BrowserSession
  let inPage: InPage

  beforeAll(async () => {
    world = await openWebAppWorld()
    session = await openBrowser(undefined, { args: [hostRules(world)] })
    inPage = await openApp(session.page, world.httpApp.origin(APP_HOST))
  }, 40_000)

  afterAll(async () => {
    await session?.close()
    await world?.close()
  })

  it('finds the relay at lf-relay.local on the default port, with no options, and pipes with a Node peer through it', async () => {
    const outcome = await inPage(() => webApp.find({}), undefined)
    expect(outcome).toEqual({ url: 'ws://lf-relay.local:8080' })
    await expectPipeWithNodePeer(inPage, world.relay, 'ws://lf-relay.local:8080', 'doc-http-page')
  })

  it('tries the URL it was given first, and goes on to lf-relay.local when that fails', async () => {
    const port = world.relay.port
    expect(await inPage(url => webApp.find({ url }), `ws://127.0.0.1:${port}`)).toEqual({ url: `ws://127.0.0.1:${port}` })
    expect(await inPage(url => webApp.find({ url }), `http://${UNKNOWN_HOST}:${port}`)).toEqual({ url: 'ws://lf-relay.local:8080' })
  })

  it('says for each candidate why it failed: a name that does not resolve, nothing listening, no answer, not a relay', async () => {
    const outcome = await inPage(options => webApp.find(options), { url: `wss://${UNKNOWN_HOST}:${world.relay.port}`, port: world.closedPort })
    expect(failuresOf(outcome)).toEqual([
      { url: `wss://${UNKNOWN_HOST}:${world.relay.port}`, reason: 'unreachable' },
      { url: `wss://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
      { url: `ws://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
    ])
    expect('message' in outcome && outcome.message).toContain(`${UNKNOWN_HOST} does not resolve here, nothing answers on port ${world.relay.port}`)

    const silent = await inPage(options => webApp.find(options), { url: `ws://${APP_HOST}:${world.silentPort}`, port: world.closedPort, timeout: 1_500 })
    expect(failuresOf(silent)[0]).toEqual({ url: `ws://${APP_HOST}:${world.silentPort}`, reason: 'timeout' })

    const notRelay = await inPage(options => webApp.find(options), { url: world.httpApp.origin(APP_HOST), port: world.closedPort })
    expect(failuresOf(notRelay)[0]).toEqual({ url: world.httpApp.origin(APP_HOST), reason: 'not-a-relay' })

    const invalid = await inPage(options => webApp.find(options), { url: 'ftp://lf-relay.local', port: world.closedPort })
    expect(failuresOf(invalid)[0]).toEqual({ url: 'ftp://lf-relay.local', reason: 'invalid-url' })
  })
})
