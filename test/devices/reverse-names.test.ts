/** The names reverse lookups ask for, against the examples of RFC 1035 §3.5 and RFC 3596 §2.5. */
import { expect, test } from 'vitest'
import { deviceNameFromPtr, reverseName } from '../../src-main/discovery/reverse-names.js'

test('IPv4 addresses reverse under in-addr.arpa, IPv6 addresses nibble by nibble under ip6.arpa', () => {
  expect(reverseName('10.2.0.52')).toBe('52.0.2.10.in-addr.arpa')
  expect(reverseName('4321:0:1:2:3:4:567:89ab')).toBe('b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa')
  expect(reverseName('fe80::1%eth0')).toBe(`1.${'0.'.repeat(28)}8.e.f.ip6.arpa`)
  expect(reverseName('::ffff:192.0.2.1')).toBe(`1.0.2.0.0.0.0.c.f.f.f.f.${'0.'.repeat(20)}ip6.arpa`)
  expect(reverseName('::1')).toBe(`1.${'0.'.repeat(31)}ip6.arpa`)
  expect(reverseName('unknown')).toBeUndefined()
})

test('a PTR target names the device by its .local label, other domains whole', () => {
  expect(deviceNameFromPtr('annas-laptop.local.')).toBe('annas-laptop')
  expect(deviceNameFromPtr('Front-Desk.LOCAL')).toBe('Front-Desk')
  expect(deviceNameFromPtr('printer.office.example.')).toBe('printer.office.example')
  expect(deviceNameFromPtr('.')).toBeUndefined()
})

test('a PTR target a client could not give as its own name is refused: bidi overrides, control characters, over 63 characters', () => {
  expect(deviceNameFromPtr('evil\u202Egpj.exe.local.')).toBeUndefined()
  expect(deviceNameFromPtr('bell\u0007.local.')).toBeUndefined()
  expect(deviceNameFromPtr(`${'a'.repeat(250)}.local.`)).toBeUndefined()
  expect(deviceNameFromPtr(`${'a'.repeat(63)}.local.`)).toBe('a'.repeat(63))
})
