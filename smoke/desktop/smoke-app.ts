/**
 * The app the desktop smoke test drives: the real packaged app (app.asar, fuses, the platform's
 * binary) as `npm run package:smoke` builds it into dist/smoke-app/. It differs from the installers'
 * app in one fuse: Node's --inspect switch stays on, because playwright's Electron support attaches
 * to the main process through it; the installers ship with it off.
 */
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'

export const SMOKE_APP_DIR = 'dist/smoke-app'

/** What `npm run package:smoke` changes in electron-builder.yml (electron-builder merges it over the file). */
export const SMOKE_BUILD_CONFIG = {
  directories: { output: SMOKE_APP_DIR },
  electronFuses: { enableNodeCliInspectArguments: true },
}

/** The app's binary inside electron-builder's unpacked output, per platform (mac: mac or mac-arm64). */
export function smokeAppExecutable(projectDir: string, platform: NodeJS.Platform = process.platform): string | undefined {
  const root = path.join(projectDir, SMOKE_APP_DIR)
  const outputs = existsSync(root) ? readdirSync(root) : []
  const candidates = outputs.flatMap(folder => {
    if (platform === 'linux' && folder.startsWith('linux') && folder.endsWith('unpacked')) return [path.join(root, folder, 'switchboard')]
    if (platform === 'win32' && folder.startsWith('win') && folder.endsWith('unpacked')) return [path.join(root, folder, 'Switchboard.exe')]
    if (platform === 'darwin' && folder.startsWith('mac')) return [path.join(root, folder, 'Switchboard.app', 'Contents', 'MacOS', 'Switchboard')]
    return []
  })
  return candidates.find(file => existsSync(file))
}

/** Why the smoke test cannot run here, or undefined when it can. */
export function cannotRunReason(projectDir: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (!smokeAppExecutable(projectDir, platform)) {
    return `no packaged app with an Electron binary in ${SMOKE_APP_DIR} (npm run package:smoke builds one where Electron can be downloaded)`
  }
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return 'no display to open a window on (run it under xvfb-run)'
  }
  return undefined
}
