/**
 * Whether the desktop shows tray icons, asked of a real session bus: a StatusNotifierItem host
 * (org.kde.StatusNotifierWatcher) present, absent, gone again, and no bus at all.
 */
import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { hasTrayHost } from '../../src-main/desktop/tray/tray-host.js'
import { SessionBus } from './session-bus.js'

let bus: SessionBus
beforeAll(async () => {
  bus = await SessionBus.start()
})
afterAll(() => bus.close())

test('Linux: a tray only while a StatusNotifierItem host owns org.kde.StatusNotifierWatcher on the session bus', async () => {
  expect(await hasTrayHost('linux', bus.env)).toBe(false)
  const stopHost = await bus.startTrayHost()
  expect(await hasTrayHost('linux', bus.env)).toBe(true)
  await stopHost()
  expect(await hasTrayHost('linux', bus.env)).toBe(false)
})

test('Linux without a session bus, or without the D-Bus tools: no tray (the window stays reachable)', async () => {
  expect(await hasTrayHost('linux', { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' })).toBe(false)
  const stopHost = await bus.startTrayHost()
  try {
    expect(await hasTrayHost('linux', { ...bus.env, PATH: '/nonexistent' })).toBe(false)
  } finally {
    await stopHost()
  }
})

test('gdbus answers where dbus-send is not installed', async () => {
  const stopHost = await bus.startTrayHost()
  try {
    // A PATH with gdbus and no dbus-send.
    const dir = mkdtempSync(`${tmpdir()}/switchboard-gdbus-only-`)
    symlinkSync('/usr/bin/gdbus', `${dir}/gdbus`)
    expect(await hasTrayHost('linux', { ...bus.env, PATH: dir })).toBe(true)
  } finally {
    await stopHost()
  }
})

test('macOS and Windows always show tray icons', async () => {
  expect(await hasTrayHost('darwin', {})).toBe(true)
  expect(await hasTrayHost('win32', {})).toBe(true)
})
