/**
 * Which URLs apps are given (relay/addresses.ts), without a network: made-up interface tables and
 * route tables. The same interfaces the advertisement skips get no URL, the likeliest LAN comes
 * first, and every skipped interface is named with its reason.
 */
import { describe, expect, test } from 'vitest'
import { offerUrls } from '../../src-main/relay/addresses.js'
import { parseRouteTable } from '../../src-main/relay/default-route.js'
import { v4, v6 } from '../helpers/interface-table.js'

const table = {
  lo: [v4('127.0.0.1', true), { ...v6('::1'), internal: true }],
  docker0: [v4('172.17.0.1')],
  eth0: [v4('10.0.0.5'), v6('fe80::5', 2), v6('2001:db8::5'), v6('fd00::5')],
  wlan0: [v4('192.168.1.20')],
  wg0: [v4('10.8.0.2')],
  eth2: [v4('203.0.113.7')],
}

describe('the URLs apps are given', () => {
  test('an all-interfaces relay: private IPv4 on the default route first, other private IPv4, IPv6 ULA, this machine last; bridges, VPNs and public-only interfaces named apart', () => {
    const offer = offerUrls(table, { port: 8080, defaultRoute: new Set(['wlan0']) })
    expect(offer.urls).toEqual(['ws://192.168.1.20:8080', 'ws://10.0.0.5:8080', 'ws://[fd00::5]:8080', 'ws://localhost:8080'])
    expect(offer.addresses).toEqual(['192.168.1.20', '10.0.0.5', 'fd00::5'])
    expect(offer.local).toBe('ws://localhost:8080')
    expect(offer.skipped).toEqual([
      { name: 'docker0', code: 'container-bridge', reason: 'container or VM bridge' },
      { name: 'wg0', code: 'tunnel', reason: 'VPN or tunnel (multicast rarely crosses it)' },
      { name: 'eth2', code: 'public-only', reason: 'only public addresses, and the relay accepts this network only' },
    ])
  })

  test('without a default route the interfaces keep their order; with --allow-public public addresses are offered after the private ones', () => {
    const offer = offerUrls(table, { port: 8080, allowPublic: true })
    expect(offer.addresses).toEqual(['10.0.0.5', '192.168.1.20', '203.0.113.7', 'fd00::5', '2001:db8::5'])
    expect(offer.skipped.map(entry => entry.name)).toEqual(['docker0', 'wg0'])
  })

  test('a relay on 0.0.0.0 takes IPv4 only, so no IPv6 URL is offered', () => {
    expect(offerUrls(table, { host: '0.0.0.0', port: 9000 }).urls).toEqual(['ws://10.0.0.5:9000', 'ws://192.168.1.20:9000', 'ws://localhost:9000'])
  })

  test('--interface pins the URLs to the interfaces named, and says why the others get none', () => {
    const offer = offerUrls(table, { port: 8080, pinned: ['wlan0', 'eth9'] })
    expect(offer.urls).toEqual(['ws://192.168.1.20:8080', 'ws://localhost:8080'])
    expect(offer.skipped).toEqual(expect.arrayContaining([
      { name: 'eth0', code: 'not-chosen', reason: 'not among the interfaces chosen to advertise on' },
      { name: 'eth9', code: 'chosen-missing', reason: 'chosen to advertise on, but not found' },
    ]))
  })

  test('a relay on one address offers that address only; on loopback, nothing to the LAN and no skipped list', () => {
    const one = offerUrls(table, { host: '10.0.0.5', port: 8080 })
    expect(one).toMatchObject({ local: 'ws://10.0.0.5:8080', addresses: ['10.0.0.5'], urls: ['ws://10.0.0.5:8080'] })
    expect(one.skipped).toContainEqual({ name: 'wlan0', code: 'not-listen-address', reason: 'does not hold the address the relay listens on' })
    expect(offerUrls(table, { host: '127.0.0.1', port: 8080 })).toEqual({ local: 'ws://127.0.0.1:8080', addresses: [], urls: ['ws://127.0.0.1:8080'], skipped: [] })
  })

  test('the default route is read from /proc/net/route: an up route to 0.0.0.0/0', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
      'wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'eth9\t00000000\t0100000A\t0002\t0\t0\t100\t00000000\t0\t0\t0',
      '',
    ].join('\n')
    expect([...parseRouteTable(text)]).toEqual(['wlan0'])
  })
})
