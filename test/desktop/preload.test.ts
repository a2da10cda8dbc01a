/**
 * The preload script hands the page exactly the typed API and nothing else: checked on the source
 * module (with `electron` mocked) and on the bundle the app ships, run the way a sandboxed preload
 * runs, where `require` knows only `electron`.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import vm from 'node:vm'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { EXPOSED_API, type DesktopBridge } from '../../shared/ipc-schema.js'
import type { MonitorServerMessage } from '../../shared/monitoring.js'
import type { SwitchboardBridge } from '../../shared/switchboard-bridge.js'
import { PRODUCT_BUNDLES, buildBundles } from '../../scripts/bundles.mjs'
import { REPO_ROOT, contextBridge, ipcRenderer } from './fake-electron.js'

vi.mock('electron', () => import('./fake-electron.js'))

const DASHBOARD_KEYS = ['sendMonitor', 'subscribeMonitor']
const DESKTOP_KEYS = ['getRelayStatus', 'getSettings', 'getShell', 'listNetworkInterfaces', 'onRelayStatus', 'onSettings', 'onShell', 'openLogsFolder', 'quit', 'updateSettings']

function expectOnlyTheTypedApi(exposed: Map<string, unknown>): void {
  expect([...exposed.keys()]).toEqual([EXPOSED_API.dashboard, EXPOSED_API.desktop])
  for (const [key, wanted] of [[EXPOSED_API.dashboard, DASHBOARD_KEYS], [EXPOSED_API.desktop, DESKTOP_KEYS]] as const) {
    const api = exposed.get(key) as Record<string, unknown>
    expect(Object.keys(api).sort(), key).toEqual(wanted)
    for (const name of wanted) expect(typeof api[name], `${key}.${name}`).toBe('function')
  }
}

describe('preload script (source)', () => {
  let dashboard: SwitchboardBridge
  let desktop: DesktopBridge

  beforeAll(async () => {
    await import('../../src-main/preload/preload.js')
    dashboard = contextBridge.exposed.get(EXPOSED_API.dashboard) as SwitchboardBridge
    desktop = contextBridge.exposed.get(EXPOSED_API.desktop) as DesktopBridge
  })

  test('exposes exactly window.switchboard (the dashboard bridge) and window.switchboardDesktop, functions only', () => {
    expectOnlyTheTypedApi(contextBridge.exposed)
    // Nothing of Electron leaks through a property.
    const values = [...contextBridge.exposed.values()].flatMap(api => Object.values(api as object))
    expect(values).not.toContain(ipcRenderer)
  })

  test('calls become invoke on their schema channels; an error answer becomes a rejection with main\'s message', async () => {
    ipcRenderer.answers.set('settings:update', { type: 'success', value: { port: 9000 } })
    await expect(desktop.updateSettings({ port: 9000 })).resolves.toEqual({ port: 9000 })
    ipcRenderer.answers.set('relay:status', { type: 'error', message: 'Refused: no' })
    await expect(desktop.getRelayStatus()).rejects.toThrow('Refused: no')
    ipcRenderer.answers.set('app:open-logs-folder', { type: 'success', value: undefined })
    await desktop.openLogsFolder()
    expect(ipcRenderer.invoked.map(call => [call.channel, call.args])).toEqual([
      ['settings:update', [{ port: 9000 }]],
      ['relay:status', []],
      ['app:open-logs-folder', []],
    ])
  })

  test('listeners get the message only, never Electron\'s event, and stop when asked', () => {
    const statuses: unknown[][] = []
    const stop = desktop.onRelayStatus((...args: unknown[]) => statuses.push(args))
    ipcRenderer.deliver('relay:status-changed', { phase: 'paused' })
    stop()
    ipcRenderer.deliver('relay:status-changed', { phase: 'stopped' })
    expect(statuses).toEqual([[{ phase: 'paused' }]])
  })

  test('the monitoring feed: each subscriber asks for a snapshot; main hears "unsubscribe" when the last one goes', () => {
    ipcRenderer.sentToMain.length = 0
    const first: MonitorServerMessage[] = []
    const second: MonitorServerMessage[] = []
    const stopFirst = dashboard.subscribeMonitor(message => first.push(message))
    const stopSecond = dashboard.subscribeMonitor(message => second.push(message))
    const result: MonitorServerMessage = { type: 'action-result', requestId: 1, ok: true, message: 'done' }
    ipcRenderer.deliver('monitor:message', result)
    stopFirst()
    stopFirst()
    ipcRenderer.deliver('monitor:message', result)
    stopSecond()
    dashboard.sendMonitor({ type: 'close-pipe', pipeId: 4, requestId: 2 })
    expect(first).toEqual([result])
    expect(second).toEqual([result, result])
    expect(ipcRenderer.sentToMain.map(entry => entry.channel)).toEqual(['monitor:subscribe', 'monitor:subscribe', 'monitor:unsubscribe', 'monitor:request'])
    expect(ipcRenderer.sentToMain.at(-1)!.args).toEqual([{ type: 'close-pipe', pipeId: 4, requestId: 2 }])
  })
})

describe('the bundles the app ships', () => {
  let outDir: string

  beforeAll(async () => {
    const outRoot = mkdtempSync(path.join(tmpdir(), 'switchboard-bundle-'))
    const desktop = PRODUCT_BUNDLES.filter(bundle => bundle.outfile.startsWith('dist/desktop/'))
    await buildBundles({ bundles: desktop, outRoot, manifest: undefined })
    outDir = path.join(outRoot, 'dist/desktop')
  })

  test('the preload bundle runs where require() knows only electron, and exposes only the typed API', () => {
    const code = readFileSync(path.join(outDir, 'preload.cjs'), 'utf8')
    const exposed = new Map<string, unknown>()
    const required: string[] = []
    const sandboxRequire = (name: string) => {
      required.push(name)
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`)
      return {
        contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
        ipcRenderer: { invoke: () => Promise.resolve(), send: () => undefined, on: () => undefined, removeListener: () => undefined },
      }
    }
    vm.runInNewContext(code, { require: sandboxRequire, module: { exports: {} }, exports: {} })
    expect(required).toEqual(['electron'])
    expectOnlyTheTypedApi(exposed)
  })

  test('the main bundle imports only Node, Electron and the app\'s declared dependencies (what a packaged app has)', () => {
    const code = readFileSync(path.join(outDir, 'main.mjs'), 'utf8')
    const { dependencies } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    const imported = new Set([...code.matchAll(/^import .* from "([^"]+)";$/gm)].map(match => match[1]!))
    const builtins = new Set(builtinModules.flatMap(name => [name, `node:${name}`]))
    const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/')
    const undeclared = [...imported].filter(name => !builtins.has(name) && name !== 'electron' && !(packageOf(name) in dependencies))
    expect(imported.has('electron')).toBe(true)
    expect(undeclared).toEqual([])
    // The version is written in: the bundle has no package.json beside it.
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(code).toContain(`VERSION = ${JSON.stringify(version)}`)
    expect(code).not.toContain('../package.json')
  })
})
