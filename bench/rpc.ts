/**
 * Request/response over a Node IPC channel, usable from both ends. The bench processes talk only
 * through this, so the load generator can ask the orchestrator for server figures mid-measurement.
 */
import type { ChildProcess } from 'node:child_process'

type Channel = ChildProcess | NodeJS.Process
export type Handlers = Record<string, (...args: any[]) => unknown>

interface CallMessage {
  rpc: 'call'
  id: number
  method: string
  args: unknown[]
}
interface ReturnMessage {
  rpc: 'return'
  id: number
  value?: unknown
  error?: string
}

export interface Rpc {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>
  /** Rejects every pending call; used when the other end dies, so no await hangs forever. */
  failAll(reason: string): void
}

export function createRpc(channel: Channel, handlers: Handlers): Rpc {
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  const send = (message: CallMessage | ReturnMessage) => {
    if (!channel.connected || !channel.send) return
    channel.send(message)
  }

  channel.on('message', async (raw: unknown) => {
    const message = raw as CallMessage | ReturnMessage
    if (message?.rpc === 'return') {
      const waiter = pending.get(message.id)
      if (!waiter) return
      pending.delete(message.id)
      if (message.error !== undefined) waiter.reject(new Error(message.error))
      else waiter.resolve(message.value)
      return
    }
    if (message?.rpc !== 'call') return
    const handler = handlers[message.method]
    try {
      if (!handler) throw new Error(`no handler for "${message.method}"`)
      const value = await handler(...message.args)
      send({ rpc: 'return', id: message.id, value })
    } catch (error) {
      send({ rpc: 'return', id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) })
    }
  })

  const failAll = (reason: string) => {
    for (const waiter of pending.values()) waiter.reject(new Error(reason))
    pending.clear()
  }
  channel.on('disconnect', () => failAll('IPC channel closed'))

  return {
    call<T>(method: string, ...args: unknown[]) {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        send({ rpc: 'call', id, method, args })
      })
    },
    failAll,
  }
}
