import path from 'node:path'

/** Where the bundler writes the main process and the preload script (see scripts/bundles.mjs). */
export const DESKTOP_BUNDLE_DIR = 'dist/desktop'
export const MAIN_BUNDLE = `${DESKTOP_BUNDLE_DIR}/main.mjs`
export const PRELOAD_BUNDLE = `${DESKTOP_BUNDLE_DIR}/preload.cjs`
export const RELAY_HOST_BUNDLE = `${DESKTOP_BUNDLE_DIR}/relay-host.mjs`

/** Unpacked beside app.asar by electron-builder.yml's `asarUnpack`. */
export const TRAY_ICONS_DIR = 'assets/tray'

/** Files the app reads at run time, relative to its root: the repository in development, app.asar when packaged. */
export function appPaths(appRoot: string) {
  return {
    renderer: path.join(appRoot, 'dist/renderer'),
    preload: path.join(appRoot, PRELOAD_BUNDLE),
    relayHost: path.join(appRoot, RELAY_HOST_BUNDLE),
    // Electron copies an .ico read from inside app.asar to %TEMP% and the tray icon goes blank once
    // that copy is cleaned up (electron/electron#30911); real files beside the archive stay.
    trayIcons: path.join(appRoot.endsWith('.asar') ? `${appRoot}.unpacked` : appRoot, TRAY_ICONS_DIR),
    appIcon: path.join(appRoot, 'assets/icon.png'),
  }
}
