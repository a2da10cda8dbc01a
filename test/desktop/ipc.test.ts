/**
 * The main process's IPC: one handler per channel of the schema, each refusing messages from
 * anything but the app's own page and input its parser rejects, before the handler runs.
 */
import type { IpcMain, WebContents } from 'electron'
import { describe, expect, test } from 'vitest'
import { IPC, type IpcChannel } from '../../shared/ipc-schema.js'
import { REQUEST_PARSERS } from '../../src-main/desktop/ipc/ipc-requests.js'
import { isTrustedSender, notify, registerIpcHandlers, type InvokeHandlers, type SendHandlers } from '../../src-main/desktop/ipc/ipc-main.js'
import { DEFAULT_SETTINGS } from '../../src-main/desktop/settings/settings-schema.js'
import { FakeIpcMain, FakeWebContents, appFrame, type FakeFrame } from './fake-electron.js'

function setUp() {
  const ipcMain = new FakeIpcMain()
  const called: { channel: IpcChannel; input: unknown; sender: number }[] = []
  const problems: string[] = []
  const record = (channel: IpcChannel) => (input: unknown, sender: WebContents) => {
    called.push({ channel, input, sender: sender.id })
  }
  const invoke: InvokeHandlers = {
    'settings:get': () => DEFAULT_SETTINGS,
    'settings:update': (patch, sender) => {
      record('settings:update')(patch, sender)
      if (patch.port === 1) throw new Error('the store refused it')
      return { ...DEFAULT_SETTINGS, ...patch }
    },
    'relay:status': () => ({ phase: 'paused' }),
    'relay:network-interfaces': () => [],
    'app:open-logs-folder': () => undefined,
    'app:shell': () => ({ tray: true, loginItem: 'off' }),
    'app:quit': () => undefined,
  }
  const send: SendHandlers = {
    'monitor:subscribe': (message, sender) => record('monitor:subscribe')(message, sender),
    'monitor:unsubscribe': (message, sender) => record('monitor:unsubscribe')(message, sender),
    'monitor:request': (message, sender) => {
      if (message.type === 'close-pipe' && message.pipeId === 666) throw new Error('handler broke')
      record('monitor:request')(message, sender)
    },
  }
  registerIpcHandlers({ ipcMain: ipcMain as unknown as IpcMain, invoke, send, parsers: REQUEST_PARSERS, onProblem: (channel, message) => problems.push(`${channel}: ${message}`) })
  const page = { frame: appFrame(), sender: new FakeWebContents() }
  return { ipcMain, called, problems, page }
}

const WRONG_SENDERS: [string, FakeFrame | null][] = [
  ['no frame (it navigated away or was destroyed)', null],
  ['a web page', appFrame('https://evil.example/')],
  ['a local file', appFrame('file:///tmp/page.html')],
  ['a look-alike host', appFrame('app://switchboard.evil/')],
  ['another custom scheme', appFrame('switchboard://switchboard/')],
  ['a frame inside the app\'s page', { url: 'app://switchboard/', parent: appFrame() }],
  ['a URL that does not parse', appFrame('not a url')],
]

describe('IPC in the main process', () => {
  test('every channel of the schema is handled: invoke channels by handle(), send channels by on()', () => {
    const { ipcMain } = setUp()
    for (const [channel, spec] of Object.entries(IPC)) {
      if (spec.kind === 'invoke') expect(ipcMain.handlers.has(channel), channel).toBe(true)
      if (spec.kind === 'send') expect(ipcMain.listenerCount(channel), channel).toBe(1)
      if (spec.kind === 'notify') expect(ipcMain.handlers.has(channel) || ipcMain.listenerCount(channel) > 0, channel).toBe(false)
    }
  })

  test('the app\'s own page gets answers as { type: "success", value }', async () => {
    const { ipcMain, page, called } = setUp()
    expect(await ipcMain.invoke('settings:get', page)).toEqual({ type: 'success', value: DEFAULT_SETTINGS })
    expect(await ipcMain.invoke('settings:update', page, { port: 9000 })).toEqual({ type: 'success', value: { ...DEFAULT_SETTINGS, port: 9000 } })
    ipcMain.sendFrom('monitor:request', page, { type: 'disconnect-peer', peerId: 'alice', requestId: 7 })
    expect(called).toEqual([
      { channel: 'settings:update', input: { port: 9000 }, sender: page.sender.id },
      { channel: 'monitor:request', input: { type: 'disconnect-peer', peerId: 'alice', requestId: 7 }, sender: page.sender.id },
    ])
  })

  test.each(WRONG_SENDERS)('a message from %s is refused before any handler runs', async (_what, frame) => {
    const { ipcMain, called, problems } = setUp()
    const from = { frame, sender: new FakeWebContents() }
    const answer = await ipcMain.invoke('settings:update', from, { port: 9000 })
    expect(answer).toEqual({ type: 'error', message: "Refused: settings:update was not sent by the app's own page." })
    expect(await ipcMain.invoke('settings:get', from)).toMatchObject({ type: 'error' })
    ipcMain.sendFrom('monitor:subscribe', from)
    ipcMain.sendFrom('monitor:request', from, { type: 'close-pipe', pipeId: 1, requestId: 1 })
    expect(called).toEqual([])
    expect(problems).toHaveLength(4)
  })

  test.each([
    ['settings:update', [{ port: 'lots' }], 'The port must be a whole number from 1 to 65535.'],
    ['settings:update', [{ isAdmin: true }], 'There is no setting called "isAdmin".'],
    ['settings:update', ['port=1'], 'Settings arrive as an object of changes.'],
    ['settings:update', [{ port: 9000 }, { port: 9001 }], 'Refused: settings:update takes one argument at most.'],
    ['settings:get', [{ everything: true }], 'This message takes no argument.'],
    ['relay:status', ['x'], 'This message takes no argument.'],
    ['app:open-logs-folder', ['/etc'], 'This message takes no argument.'],
  ] as const)('invoke %s with %j is refused: %s', async (channel, args, message) => {
    const { ipcMain, page, called } = setUp()
    expect(await ipcMain.invoke(channel, page, ...args)).toEqual({ type: 'error', message })
    expect(called).toEqual([])
  })

  test.each([
    ['monitor:request', [{ type: 'disconnect-peer', requestId: 1 }]],
    ['monitor:request', [{ type: 'close-pipe', pipeId: '3', requestId: 1 }]],
    ['monitor:request', [{ type: 'shutdown', requestId: 1 }]],
    ['monitor:request', [{ type: 'disconnect-peer', peerId: 'p'.repeat(513), requestId: 1 }]],
    ['monitor:request', [{ type: 'close-pipe', pipeId: 1, requestId: 1.5 }]],
    ['monitor:request', ['{"type":"close-pipe","pipeId":1,"requestId":1}']],
    ['monitor:request', [null]],
    ['monitor:subscribe', [{ everything: true }]],
  ] as const)('send %s with %j is refused and logged', (channel, args) => {
    const { ipcMain, page, called, problems } = setUp()
    ipcMain.sendFrom(channel, page, ...args)
    expect(called).toEqual([])
    expect(problems).toHaveLength(1)
  })

  test('data that cannot be plain JSON (a cycle) is refused, not thrown', () => {
    const { ipcMain, page, called, problems } = setUp()
    const cyclic: Record<string, unknown> = { type: 'close-pipe', pipeId: 1, requestId: 1 }
    cyclic.self = cyclic
    ipcMain.sendFrom('monitor:request', page, cyclic)
    expect(called).toEqual([])
    expect(problems).toEqual(['monitor:request: An admin action is plain data.'])
  })

  test('a failing handler answers { type: "error" } or is logged; nothing is thrown into Electron', async () => {
    const { ipcMain, page, problems } = setUp()
    expect(await ipcMain.invoke('settings:update', page, { port: 1 })).toEqual({ type: 'error', message: 'the store refused it' })
    expect(() => ipcMain.sendFrom('monitor:request', page, { type: 'close-pipe', pipeId: 666, requestId: 1 })).not.toThrow()
    expect(problems).toEqual(['monitor:request: Failed: handler broke'])
  })

  test('only the app\'s page in a top-level frame is trusted', () => {
    expect(isTrustedSender(appFrame())).toBe(true)
    expect(isTrustedSender(appFrame('app://switchboard/index.html#peers'))).toBe(true)
    for (const [, frame] of WRONG_SENDERS) expect(isTrustedSender(frame)).toBe(false)
  })

  test('notify skips a window that is gone instead of throwing', () => {
    const contents = new FakeWebContents()
    notify(contents, 'relay:status-changed', { phase: 'paused' })
    contents.destroyed = true
    expect(() => notify(contents, 'relay:status-changed', { phase: 'paused' })).not.toThrow()
    notify(undefined, 'relay:status-changed', { phase: 'paused' })
    expect(contents.sent).toEqual([{ channel: 'relay:status-changed', message: { phase: 'paused' } }])
  })
})
