import path from 'node:path'

/** Where the bundler writes the main process and the preload script (see scripts/bundles.mjs). */
export const DESKTOP_BUNDLE_DIR = 'dist/desktop'
export const MAIN_BUNDLE = `${DESKTOP_BUNDLE_DIR}/main.mjs`
export const PRELOAD_BUNDLE = `${DESKTOP_BUNDLE_DIR}/preload.cjs`

/** Files the app reads at run time, relative to its root: the repository in development, app.asar when packaged. */
export function appPaths(appRoot: string) {
  return {
    renderer: path.join(appRoot, 'dist/renderer'),
    preload: path.join(appRoot, PRELOAD_BUNDLE),
    trayIcons: path.join(appRoot, 'assets/tray'),
    appIcon: path.join(appRoot, 'assets/icon.png'),
  }
}
