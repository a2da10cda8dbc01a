/**
 * Two relays up at the same time with one instance id (a copied configuration, a cloned machine)
 * stay two relays for every client: the browser keeps them apart by host and port and reports the
 * clash once, and the choice rule still gives every client the same answer. One relay whose address
 * or port changes is still one relay. Fed by a scripted mDNS socket; the namespace tests
 * (two-relays-one-machine.test.ts) run the same cases between real hosts.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { RelayBrowser, WIRE_PROTOCOL, chooseRelay, rankRelays, relayKey, type DiscoveredRelay, type IdConflict, type RelayTxt } from '@switchboard/lan-mdns'
import { ScriptedMdns, type ScriptedRelay } from './helpers/scripted-mdns.js'

const SHARED_ID = '5a1d0c2e-3f4b-4c6d-8e9f-0a1b2c3d4e5f'
const txt = (fields: Partial<RelayTxt> = {}): RelayTxt => ({
  proto: WIRE_PROTOCOL,
  version: '0.1.0',
  id: SHARED_ID,
  path: '/',
  tokenRequired: false,
  priority: 0,
  startedAt: 1_000,
  ...fields,
})

const original: ScriptedRelay = { name: 'Switchboard on studio', hostName: 'studio.local', port: 8080, txt: txt(), addresses: ['10.0.0.5'] }
const clone: ScriptedRelay = { name: 'Switchboard on studio (2)', hostName: 'studio-2.local', port: 8080, txt: txt(), addresses: ['10.0.0.6'] }
const samePort: ScriptedRelay = { name: 'Switchboard on studio (3)', hostName: 'studio.local', port: 8081, txt: txt(), addresses: ['10.0.0.5'] }

const browsers: RelayBrowser[] = []
afterEach(async () => {
  await Promise.all(browsers.splice(0).map(browser => browser.close()))
})

function browse(options: ConstructorParameters<typeof RelayBrowser>[0] = {}) {
  const browser = new RelayBrowser(options)
  browsers.push(browser)
  const lan = new ScriptedMdns()
  browser.attach(lan)
  const conflicts: IdConflict[] = []
  browser.on('conflict', conflict => conflicts.push(conflict))
  return { browser, lan, conflicts }
}

const where = (relays: DiscoveredRelay[]) => relays.map(relay => `${relay.host}:${relay.port}`)

describe('relays sharing an id', () => {
  test('are two relays, on another host or on the same host; the clash is reported once while it lasts', () => {
    const { browser, lan, conflicts } = browse()
    lan.announce(original)
    lan.announce(clone)
    lan.announce(samePort)
    expect(where(browser.relays)).toEqual(['studio-2.local:8080', 'studio.local:8080', 'studio.local:8081'])
    expect(conflicts).toHaveLength(2)
    expect(conflicts.at(-1)).toMatchObject({ id: SHARED_ID })
    expect(where(conflicts.at(-1)!.relays)).toEqual(where(browser.relays))
    expect(conflicts.at(-1)!.message).toMatch(/3 relays announce the instance id 5a1d0c2e-.*told apart by host and port/)
    expect(browser.conflicts).toHaveLength(1)

    // Announcing again, and answering queries, changes nothing and repeats nothing.
    lan.announce(original)
    lan.announce(clone)
    expect(conflicts).toHaveLength(2)

  })

  test('a clash that ends is forgotten; when it comes back it is reported again', () => {
    const { browser, lan, conflicts } = browse()
    lan.announce(original)
    lan.announce(clone)
    expect(conflicts).toHaveLength(1)
    lan.goodbye(clone)
    expect(where(browser.relays)).toEqual(['studio.local:8080'])
    expect(browser.conflicts).toEqual([])
    lan.announce(clone)
    expect(conflicts).toHaveLength(2)
  })

  test('up and down name each of them apart', () => {
    const { browser, lan } = browse()
    const ups: string[] = []
    const downs: string[] = []
    browser.on('up', relay => ups.push(relay.host))
    browser.on('down', relay => downs.push(relay.host))
    lan.announce(original)
    lan.announce(clone)
    lan.goodbye(original)
    expect(ups).toEqual(['studio.local', 'studio-2.local'])
    expect(downs).toEqual(['studio.local'])
  })

  test('every client picks the same one whatever order it heard them in: host, then port, after the id', () => {
    const { browser, lan } = browse()
    lan.announce(samePort)
    lan.announce(original)
    lan.announce(clone)
    const heard = browser.relays
    const orders = [heard, [...heard].reverse(), [heard[1]!, heard[2]!, heard[0]!]]
    expect(new Set(orders.map(order => relayKey(chooseRelay(order)!)))).toEqual(new Set([`${SHARED_ID}|studio-2.local|8080`]))
    expect(where(rankRelays([...heard].reverse()))).toEqual(['studio-2.local:8080', 'studio.local:8080', 'studio.local:8081'])
  })

  test('a relay browsing leaves out only itself, not another relay with its id', () => {
    const { browser, lan, conflicts } = browse({ isSelf: relay => relay.id === SHARED_ID && relay.host === 'studio.local' && relay.port === 8080 })
    lan.announce(original)
    expect(browser.relays).toEqual([])
    lan.announce(clone)
    expect(where(browser.relays)).toEqual(['studio-2.local:8080'])
    expect(conflicts).toEqual([])
  })
})

describe('one relay that moves', () => {
  test('an address change is followed in place: same relay, new URL, no clash', async () => {
    const { browser, lan, conflicts } = browse()
    lan.announce(original)
    const [before] = browser.relays
    // The cache-flush bit drops the old address once it is older than a second (RFC 6762 §10.2).
    await new Promise(resolve => setTimeout(resolve, 1_100))
    lan.announce({ ...original, addresses: ['10.0.0.9'] })
    expect(browser.relays).toHaveLength(1)
    expect(relayKey(browser.relays[0]!)).toBe(relayKey(before!))
    expect(browser.relays[0]!.url).toBe('ws://10.0.0.9:8080')
    expect(conflicts).toEqual([])
  })

  test('a restart on another port (goodbye, then the new record) is one relay at its new port', () => {
    const { browser, lan, conflicts } = browse()
    lan.announce(original)
    lan.goodbye(original)
    lan.announce({ ...original, port: 9090, txt: txt({ startedAt: 2_000 }) })
    expect(where(browser.relays)).toEqual(['studio.local:9090'])
    expect(conflicts).toEqual([])
  })
})
