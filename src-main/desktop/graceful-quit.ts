import type { App, PowerMonitor } from 'electron'

/**
 * Quitting waits for `shutDown` (LAN discovery's goodbyes, then the relay's close frames): the
 * first quit is held back until it is done, then let through. The OS shutting down asks the same
 * way, where Electron lets the app delay it.
 */
export interface QuitSources {
  app: Pick<App, 'on' | 'quit'>
  powerMonitor: Pick<PowerMonitor, 'on'>
  /** Ctrl-C in the terminal during development quits the same way. */
  signals: Pick<NodeJS.Process, 'once'>
}

export function installGracefulQuit({ app, powerMonitor, signals }: QuitSources, shutDown: () => Promise<void>): void {
  let stage: 'running' | 'stopping' | 'done' = 'running'
  app.on('before-quit', event => {
    if (stage === 'done') return
    event.preventDefault()
    if (stage === 'stopping') return
    stage = 'stopping'
    void shutDown().finally(() => {
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
  for (const signal of ['SIGINT', 'SIGTERM'] as const) signals.once(signal, () => app.quit())
}
