import type { App, BrowserWindow, PowerMonitor } from 'electron'

/**
 * Quitting waits for `shutDown` (LAN discovery's goodbyes, then the relay's close frames): the
 * first quit is held back until it is done, then let through. The OS ending the session asks the
 * same way, where Electron lets the app delay it.
 */
export interface QuitSources {
  app: Pick<App, 'on' | 'quit'>
  powerMonitor: Pick<PowerMonitor, 'on'>
  /** Ctrl-C in the terminal during development quits the same way. */
  signals: Pick<NodeJS.Process, 'once'>
  /** Windows: the window that hears of log-off and shutdown (window/session-end-window.ts). */
  sessionEnd?: Pick<BrowserWindow, 'on'>
}

export function installGracefulQuit({ app, powerMonitor, signals, sessionEnd }: QuitSources, shutDown: () => Promise<void>, onProblem: (message: string) => void): void {
  let stage: 'running' | 'stopping' | 'done' = 'running'
  app.on('before-quit', event => {
    if (stage === 'done') return
    event.preventDefault()
    if (stage === 'stopping') return
    stage = 'stopping'
    shutDown()
      // A failed shutdown must still end the app; the quit that follows cannot wait for anything more.
      .catch((error: unknown) => onProblem(`quitting: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        stage = 'done'
        app.quit()
      })
  })
  powerMonitor.on('shutdown', (...args: unknown[]) => {
    // Electron passes an event whose preventDefault() delays the OS shutdown; its typings leave it out.
    const event = args[0] as { preventDefault?: () => void } | undefined
    event?.preventDefault?.()
    app.quit()
  })
  // Delayed while the goodbyes go out (Windows shows that Switchboard holds the shutdown up until the
  // app has quit). `session-end` may come without `query-session-end` (a forced log-off), and then
  // nothing delays the end: the goodbyes go out if they make it in time.
  sessionEnd?.on('query-session-end', event => {
    event.preventDefault()
    app.quit()
  })
  sessionEnd?.on('session-end', () => app.quit())
  for (const signal of ['SIGINT', 'SIGTERM'] as const) signals.once(signal, () => app.quit())
}
