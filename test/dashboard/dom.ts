/**
 * What the dashboard's component tests need from jsdom beyond what it has: elements with a size
 * (jsdom lays nothing out, so the virtualised tables would show no row) and cleanup between tests.
 */
import { cleanup } from '@testing-library/react'
import { afterEach, beforeAll } from 'vitest'

export const VIEWPORT = { width: 1200, height: 720 }

beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => VIEWPORT.height })
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => VIEWPORT.width })
})

afterEach(() => {
  cleanup()
  window.location.hash = ''
})
