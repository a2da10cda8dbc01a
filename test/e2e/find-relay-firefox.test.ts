/**
 * lan-client's browser helper in a second engine, Debian's firefox-esr (WebDriver BiDi through
 * puppeteer-core): the same web app finds the relay under lf-relay.local and pipes messages with a
 * Node peer through it with the published Client.
 */
import { mkdtempSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openFirefox, type FirefoxSession } from './firefox.js'
import type { InPage, WebAppApi } from './web-app.js'
import { APP_HOST, expectPipeWithNodePeer, failuresOf, openApp, openWebAppWorld, type WebAppWorld } from './web-app-world.js'

declare const webApp: WebAppApi

describe('findRelay in Firefox, from a web app served over http', () => {
  let world: WebAppWorld
  let firefox: FirefoxSession
  let inPage: InPage

  beforeAll(async () => {
    world = await openWebAppWorld()
    firefox = await openFirefox(mkdtempSync(path.join(world.scratch, 'firefox-')), [APP_HOST, 'lf-relay.local'])
    inPage = await openApp(firefox.page, world.httpApp.origin(APP_HOST))
  }, 60_000)

  afterAll(async () => {
    await firefox?.close()
    await world?.close()
  })

  it('finds the relay at lf-relay.local and pipes with a Node peer through it', async () => {
    const url = `ws://lf-relay.local:${world.relay.port}`
    expect(await inPage(port => webApp.find({ port }), world.relay.port)).toEqual({ url })
    await expectPipeWithNodePeer(inPage, world.relay, url, 'doc-firefox-http-page')
  })

  it('says why when nothing answers', async () => {
    const outcome = await inPage(port => webApp.find({ port }), world.closedPort)
    expect(failuresOf(outcome)).toEqual([
      { url: `wss://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
      { url: `ws://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
    ])
  })
})
