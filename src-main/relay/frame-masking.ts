import http from 'node:http'
import { createRequire } from 'node:module'
import type { FrameMasking } from '../../shared/relay-model.js'

/**
 * Which unmasking `ws` does for this process: 'native' (the bufferutil prebuild, or Node's own
 * http.websocketMask where a Node version has it) or 'js' (ws's loop, several times slower on large
 * messages). ws decides once, when it is first loaded, and does not say; this asks the same
 * questions it asks, in the same order, from ws's own location so the same bufferutil is found.
 */
export function detectFrameMasking(env: NodeJS.ProcessEnv = process.env): FrameMasking {
  if (typeof (http as { websocketMask?: unknown }).websocketMask === 'function') return 'native'
  if (env.WS_NO_BUFFER_UTIL) return 'js'
  try {
    const fromWs = createRequire(createRequire(import.meta.url).resolve('ws'))
    fromWs('bufferutil')
    return 'native'
  } catch {
    return 'js'
  }
}
