/**
 * lan-client's browser helper in a second engine, Debian's firefox-esr (WebDriver BiDi through
 * puppeteer-core): the same web app finds the relay under lf-relay.local and pipes messages with a
 * Node peer through it with the published Client. Firefox trusts the CAs in its profile's NSS
 * database; it cannot map ports, so the relay's real port is passed as `port`.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openFirefox, type FirefoxSession } from './firefox.js'
import { createNssDatabase, type TrustedCa } from './nss-trust.js'
import type { InPage, WebAppApi } from './web-app.js'
import { APP_HOST, certificateAuthorities, expectPipeWithNodePeer, failuresOf, openApp, webAppWorld } from './web-app-world.js'

declare const webApp: WebAppApi

const world = webAppWorld()

function firefoxTrusting(profile: string, cas: TrustedCa[]): Promise<FirefoxSession> {
  const directory = path.join(world.scratch, profile)
  createNssDatabase(directory, cas)
  return openFirefox(directory, [APP_HOST, 'lf-relay.local'])
}

describe('from a web app served over https, in a Firefox that trusts the relay', () => {
  let firefox: FirefoxSession
  let inPage: InPage

  beforeAll(async () => {
    const cas = certificateAuthorities(world)
    firefox = await firefoxTrusting('profile-trusting', [cas.app, cas.relay])
    inPage = await openApp(firefox.page, world.httpsApp.origin(APP_HOST))
  }, 60_000)

  afterAll(async () => {
    await firefox?.close()
  })

  it('finds wss://lf-relay.local and the published Client pipes with a Node peer through it', async () => {
    const url = `wss://lf-relay.local:${world.relay.port}`
    expect(await inPage(port => webApp.find({ port }), world.relay.port)).toEqual({ url })
    await expectPipeWithNodePeer(inPage, world.relay, url, 'doc-firefox-https-page')
  })

  it('refuses ws:// to lf-relay.local from an https page (mixed content), which is why findRelay never offers it', async () => {
    const target = `lf-relay.local:${world.relay.port}/introduction/firefox-probe`
    expect(await inPage(url => webApp.tryWebSocket(url), `ws://${target}`)).toMatch(/^SecurityError/)
    expect(await inPage(url => webApp.tryWebSocket(url), `wss://${target}`)).toBe('open')
  })
})

describe('in a Firefox that does not trust the relay', () => {
  let firefox: FirefoxSession

  beforeAll(async () => {
    firefox = await firefoxTrusting('profile-distrusting', [certificateAuthorities(world).app])
  }, 60_000)

  afterAll(async () => {
    await firefox?.close()
  })

  it('an https page cannot connect, and findRelay says why', async () => {
    const inPage = await openApp(firefox.page, world.httpsApp.origin(APP_HOST))
    const url = `wss://lf-relay.local:${world.relay.port}`
    expect(failuresOf(await inPage(port => webApp.find({ port }), world.relay.port))).toEqual([{ url, reason: 'certificate-or-unreachable' }])
    expect(await inPage(socketUrl => webApp.tryWebSocket(socketUrl), `${url}/introduction/firefox-probe`)).toBe('error')
  })

  it('an http page falls back to ws://lf-relay.local and pipes with a Node peer through it', async () => {
    const inPage = await openApp(firefox.page, world.httpApp.origin(APP_HOST))
    const url = `ws://lf-relay.local:${world.relay.port}`
    expect(await inPage(port => webApp.find({ port }), world.relay.port)).toEqual({ url })
    await expectPipeWithNodePeer(inPage, world.relay, url, 'doc-firefox-http-page')
    expect(failuresOf(await inPage(port => webApp.find({ port }), world.closedPort))).toEqual([
      { url: `wss://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
      { url: `ws://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
    ])
  })
})
