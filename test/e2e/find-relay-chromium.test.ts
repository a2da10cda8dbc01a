/**
 * lan-client's browser helper in Debian's Chromium, loaded by a web app as it is: `findRelay` finds
 * the relay under lf-relay.local, the page's published Client pipes messages with a Node peer through
 * it over wss://, and every candidate that fails says why. Which certificate authorities Chromium
 * trusts is all in its NSS database (a throwaway HOME); no certificate-error flag is used.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCliRelay } from '../helpers/processes.js'
import { openBrowser, type BrowserSession, type LaunchOptions } from './chromium.js'
import { chromiumHome, type TrustedCa } from './nss-trust.js'
import type { InPage, WebAppApi } from './web-app.js'
import { APP_HOST, UNKNOWN_HOST, certificateAuthorities, expectPipeWithNodePeer, failuresOf, openApp, webAppWorld } from './web-app-world.js'

declare const webApp: WebAppApi

const world = webAppWorld()

/**
 * Chromium trusting `cas`, resolving the test's names to loopback (the relay's default port 8080
 * goes to the relay's real one), with `args` on top.
 */
function launchOptions(home: string, cas: TrustedCa[], args: string[] = []): LaunchOptions {
  const rules = [`MAP lf-relay.local:8080 127.0.0.1:${world.relay.port}`, 'MAP lf-relay.local 127.0.0.1', `MAP ${APP_HOST} 127.0.0.1`, `MAP ${UNKNOWN_HOST} ~NOTFOUND`]
  return { args: [`--host-resolver-rules=${rules.join(', ')}`, ...args], env: { ...process.env, HOME: chromiumHome(path.join(world.scratch, home), cas) } }
}

describe('from a web app served over https, in a Chromium that trusts the relay', () => {
  let session: BrowserSession
  let inPage: InPage

  beforeAll(async () => {
    const cas = certificateAuthorities(world)
    session = await openBrowser(undefined, launchOptions('home-trusting', [cas.app, cas.relay]))
    inPage = await openApp(session.page, world.httpsApp.origin(APP_HOST))
  }, 30_000)

  afterAll(async () => {
    await session?.close()
  })

  it('finds wss://lf-relay.local:8080 with no options, and the published Client pipes with a Node peer through it', async () => {
    expect(await inPage(() => webApp.find({}), undefined)).toEqual({ url: 'wss://lf-relay.local:8080' })
    await expectPipeWithNodePeer(inPage, world.relay, 'wss://lf-relay.local:8080', 'doc-https-page')
  })

  it('never hands an https page a ws:// URL: one it was given is refused as mixed content, loopback excepted', async () => {
    expect(await inPage(() => webApp.find({ url: 'ws://lf-relay.local:8080' }), undefined)).toEqual({ url: 'wss://lf-relay.local:8080' })
    const refused = await inPage(port => webApp.find({ url: 'ws://lf-relay.local:8080', port }), world.closedPort)
    expect(failuresOf(refused)).toEqual([
      { url: 'ws://lf-relay.local:8080', reason: 'mixed-content' },
      { url: `wss://lf-relay.local:${world.closedPort}`, reason: 'certificate-or-unreachable' },
    ])
    const loopback = `ws://127.0.0.1:${world.relay.port}`
    expect(await inPage(url => webApp.find({ url }), loopback)).toEqual({ url: loopback })
  })
})

describe('in a Chromium that does not trust the relay', () => {
  let session: BrowserSession

  beforeAll(async () => {
    session = await openBrowser(undefined, launchOptions('home-distrusting', [certificateAuthorities(world).app]))
  }, 30_000)

  afterAll(async () => {
    await session?.close()
  })

  it('an https page cannot connect, and findRelay says the certificate is not trusted or the name does not resolve', async () => {
    const inPage = await openApp(session.page, world.httpsApp.origin(APP_HOST))
    const outcome = await inPage(() => webApp.find({}), undefined)
    expect(failuresOf(outcome)).toEqual([{ url: 'wss://lf-relay.local:8080', reason: 'certificate-or-unreachable' }])
    expect('message' in outcome && outcome.message).toContain("either this device does not trust the relay's certificate")
    expect(await inPage(() => webApp.tryWebSocket('wss://lf-relay.local:8080/introduction/browser-peer'), undefined)).toBe('error')
  })

  it('an http page can tell: the relay answers over http, so it is the certificate', async () => {
    const inPage = await openApp(session.page, world.httpApp.origin(APP_HOST))
    const outcome = await inPage(port => webApp.find({ url: 'wss://lf-relay.local:8080', port }), world.closedPort)
    // The fingerprint's first 8 bytes, as the relay printed the whole of it when it started.
    const fingerprint = /CA SHA-256 ([0-9A-F:]+)/.exec(world.relay.cli.stdout)![1]!
    expect('message' in outcome && outcome.message).toContain(`its CA's SHA-256 fingerprint begins ${fingerprint.slice(0, 23)}`)
    expect(failuresOf(outcome)).toEqual([
      { url: 'wss://lf-relay.local:8080', reason: 'certificate' },
      { url: `wss://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
      { url: `ws://lf-relay.local:${world.closedPort}`, reason: 'unreachable' },
    ])
  })

  it('once the user opened https://lf-relay.local:8080/ and accepted the warning, an https page reaches the relay', async () => {
    const relayPage = await session.context.newPage()
    await expect(relayPage.goto('https://lf-relay.local:8080/')).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/)
    await relayPage.click('#details-button')
    await relayPage.click('#proceed-link')
    await relayPage.waitForURL('https://lf-relay.local:8080/')
    await expect.poll(() => relayPage.locator('body').innerText()).toContain('Switchboard relay is running')

    const inPage = await openApp(session.page, world.httpsApp.origin(APP_HOST))
    expect(await inPage(() => webApp.find({}), undefined)).toEqual({ url: 'wss://lf-relay.local:8080' })
    await expectPipeWithNodePeer(inPage, world.relay, 'wss://lf-relay.local:8080', 'doc-accepted-once')
  })
})

describe('from a public https origin, as a web app on the internet is', () => {
  let session: BrowserSession

  beforeAll(async () => {
    const cas = certificateAuthorities(world)
    const publicOrigin = `--ip-address-space-overrides=127.0.0.1:${world.httpsApp.port}=public`
    session = await openBrowser(undefined, launchOptions('home-public', [cas.app, cas.relay], [publicOrigin]))
  }, 30_000)

  afterAll(async () => {
    await session?.close()
  })

  it('reaches the relay only once the user allowed the site Local Network Access', async () => {
    const refusedContext = await session.browser.newContext()
    const refused = await openApp(await refusedContext.newPage(), world.httpsApp.origin(APP_HOST))
    expect(failuresOf(await refused(() => webApp.find({}), undefined))).toEqual([{ url: 'wss://lf-relay.local:8080', reason: 'certificate-or-unreachable' }])
    await refusedContext.close()

    await session.context.grantPermissions(['local-network-access'], { origin: world.httpsApp.origin(APP_HOST) })
    const inPage = await openApp(session.page, world.httpsApp.origin(APP_HOST))
    expect(await inPage(() => webApp.find({}), undefined)).toEqual({ url: 'wss://lf-relay.local:8080' })
    await expectPipeWithNodePeer(inPage, world.relay, 'wss://lf-relay.local:8080', 'doc-public-page')
  })
})

describe('from a web app served over http', () => {
  let session: BrowserSession
  let inPage: InPage

  beforeAll(async () => {
    session = await openBrowser(undefined, launchOptions('home-http', []))
    inPage = await openApp(session.page, world.httpApp.origin(APP_HOST))
  }, 30_000)

  afterAll(async () => {
    await session?.close()
  })

  it('falls back to ws://lf-relay.local:8080 when wss fails, and pipes with a Node peer through it', async () => {
    expect(await inPage(() => webApp.find({}), undefined)).toEqual({ url: 'ws://lf-relay.local:8080' })
    await expectPipeWithNodePeer(inPage, world.relay, 'ws://lf-relay.local:8080', 'doc-http-page')
  })

  it('tries the URL it was given first, and goes on to lf-relay.local when that fails', async () => {
    const port = world.relay.port
    expect(await inPage(url => webApp.find({ url }), `ws://127.0.0.1:${port}`)).toEqual({ url: `ws://127.0.0.1:${port}` })
    expect(await inPage(url => webApp.find({ url }), `http://${UNKNOWN_HOST}:${port}`)).toEqual({ url: 'ws://lf-relay.local:8080' })
  })

  it('tells a relay that serves no TLS from an untrusted certificate', async () => {
    const plainRelay = await startCliRelay(['--no-advertise', '--no-tls'], { XDG_CONFIG_HOME: path.join(world.scratch, 'plain-relay-config') })
    try {
      const url = `wss://127.0.0.1:${plainRelay.port}`
      expect(failuresOf(await inPage(options => webApp.find(options), { url, port: world.closedPort }))[0]).toEqual({ url, reason: 'no-tls' })
    } finally {
      await plainRelay.cli.stop()
    }
  })

  it('adds the access token for a relay that requires one, and says so when it was given none', async () => {
    const token = 'browser-helper-lan-token'
    const tokenRelay = await startCliRelay(['--no-advertise', '--token', token], { XDG_CONFIG_HOME: path.join(world.scratch, 'token-relay-config') })
    try {
      const url = `ws://127.0.0.1:${tokenRelay.port}`
      const outcome = await inPage(options => webApp.find(options), { url, port: world.closedPort })
      expect(failuresOf(outcome)[0]).toEqual({ url, reason: 'token-required' })
      expect(await inPage(options => webApp.find(options), { url, token })).toEqual({ url: `${url}/${token}` })
      expect(await inPage(target => webApp.tryWebSocket(target), `${url}/${token}/introduction/browser-probe`)).toBe('open')
    } finally {
      await tokenRelay.cli.stop()
    }
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
