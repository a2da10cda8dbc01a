/**
 * The main process's side of IPC, derived from shared/ipc-schema.ts. Every message is checked
 * before any handler sees it: it must come from the app's own page in a top-level frame, and its
 * input must pass the channel's parser. Answers cross as IpcResult, so a failure is a message the
 * window shows, never an exception that escapes over IPC.
 */
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron'
import {
  channelsOfKind,
  type InvokeChannel,
  type IpcResult,
  type NotificationOf,
  type NotifyChannel,
  type RequestOf,
  type ResponseOf,
  type SendChannel,
} from '../../../shared/ipc-schema.js'
import { isAppUrl } from '../window/app-protocol.js'
import type { RequestParsers } from './ipc-requests.js'
import { refuse, type Parsed } from './parsed.js'

export type InvokeHandlers = { [C in InvokeChannel]: (request: RequestOf<C>, sender: WebContents) => ResponseOf<C> | Promise<ResponseOf<C>> }
export type SendHandlers = { [C in SendChannel]: (message: RequestOf<C>, sender: WebContents) => void }

export interface IpcHandlers {
  ipcMain: Pick<IpcMain, 'handle' | 'on'>
  invoke: InvokeHandlers
  send: SendHandlers
  parsers: RequestParsers
  /** Hears about every message refused (wrong sender, bad input) or failed, for the log. */
  onProblem(channel: string, message: string): void
}

/** What the check reads of `event.senderFrame` (a WebFrameMain, or null once the frame is gone). */
type SenderFrame = { url: string; parent: unknown } | null

/** The app's own page, in a top-level frame: nothing else may talk to main. */
export function isTrustedSender(frame: SenderFrame): boolean {
  return frame !== null && frame.parent === null && isAppUrl(frame.url)
}

export function registerIpcHandlers({ ipcMain, invoke, send, parsers, onProblem }: IpcHandlers): void {
  const check = (channel: InvokeChannel | SendChannel, event: IpcMainEvent | IpcMainInvokeEvent, args: unknown[]): Parsed<unknown> => {
    if (!isTrustedSender(event.senderFrame)) return refuse(`Refused: ${channel} was not sent by the app's own page.`)
    if (args.length > 1) return refuse(`Refused: ${channel} takes one argument at most.`)
    return parsers[channel](args[0])
  }

  for (const channel of channelsOfKind('invoke')) {
    const handler = invoke[channel] as (request: unknown, sender: WebContents) => unknown
    ipcMain.handle(channel, async (event, ...args: unknown[]): Promise<IpcResult<unknown>> => {
      const checked = check(channel, event, args)
      if (!checked.ok) {
        onProblem(channel, checked.message)
        return { type: 'error', message: checked.message }
      }
      try {
        return { type: 'success', value: await handler(checked.value, event.sender) }
      } catch (error) {
        return { type: 'error', message: (error as Error).message }
      }
    })
  }

  for (const channel of channelsOfKind('send')) {
    const handler = send[channel] as (message: unknown, sender: WebContents) => void
    ipcMain.on(channel, (event, ...args: unknown[]) => {
      const checked = check(channel, event, args)
      if (!checked.ok) return onProblem(channel, checked.message)
      // Nobody waits for an answer, and a throw here would be an uncaught exception in main.
      try {
        handler(checked.value, event.sender)
      } catch (error) {
        onProblem(channel, `Failed: ${(error as Error).message}`)
      }
    })
  }
}

/** Tells a window something; a window that closed or crashed is skipped, not an error. */
export function notify<C extends NotifyChannel>(contents: Pick<WebContents, 'isDestroyed' | 'send'> | undefined, channel: C, message: NotificationOf<C>): void {
  if (!contents || contents.isDestroyed()) return
  contents.send(channel, message)
}
