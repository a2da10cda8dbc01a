/** The Electron main process's entry point (package.json `main`, once bundled). */
import { app, dialog } from 'electron'
import { runDesktopApp } from './desktop-app.js'

runDesktopApp().catch((error: Error) => {
  dialog.showErrorBox('Switchboard could not start', error.stack ?? error.message)
  app.exit(1)
})
