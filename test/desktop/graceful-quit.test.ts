/** Quitting waits for the shutdown, and a shutdown that fails still ends the app, with a log line. */
import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { installGracefulQuit } from '../../src-main/desktop/graceful-quit.js'
import { app, powerMonitor, resetFakeElectron } from './fake-electron.js'

const unhandled: unknown[] = []
const record = (reason: unknown) => unhandled.push(reason)
beforeEach(() => {
  resetFakeElectron()
  process.on('unhandledRejection', record)
})
afterEach(() => void process.off('unhandledRejection', record))

test('a shutdown that rejects is logged and the quit still goes through, with no unhandled rejection', async () => {
  const problems: string[] = []
  let calls = 0
  const sources = { app, powerMonitor, signals: new EventEmitter() } as unknown as Parameters<typeof installGracefulQuit>[0]
  installGracefulQuit(sources, async () => {
    calls++
    throw new Error('the relay would not close')
  }, line => problems.push(line))
  app.quit()
  expect(app.quitted).toBe(false)
  // A second quit while the first is stopping changes nothing.
  app.quit()
  const quitted = new Promise(resolve => app.once('will-quit', resolve))
  await quitted
  // Rejections are reported a turn of the event loop later.
  await new Promise(resolve => setImmediate(resolve))
  expect(app.quitted).toBe(true)
  expect(calls).toBe(1)
  expect(problems).toEqual(['quitting: the relay would not close'])
  expect(unhandled).toEqual([])
})
