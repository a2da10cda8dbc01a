/**
 * Whether `npm start` can open the desktop app here: it needs an Electron binary and a display.
 * Decided from files and environment variables only: requiring the `electron` package would
 * start a download where there is none.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

export type LaunchPlan =
  | { kind: 'launch'; binary: string }
  /** A display, but Electron's binary was never downloaded (electron ≥ 42 downloads it on first use). */
  | { kind: 'download' }
  | { kind: 'headless'; reason: string }

export interface LaunchEnvironment {
  platform: NodeJS.Platform
  env: NodeJS.ProcessEnv
  /** node_modules/electron */
  electronDir: string
  exists?: (file: string) => boolean
  readText?: (file: string) => string | undefined
}

const readIfPresent = (file: string) => {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
}

export function launchPlan({ platform, env, electronDir, exists = existsSync, readText = readIfPresent }: LaunchEnvironment): LaunchPlan {
  // macOS and Windows always have a screen to draw on; X11 and Wayland say where theirs is.
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { kind: 'headless', reason: 'no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)' }
  }
  // The same lookup as the electron package's own index.js.
  const executable = readText(path.join(electronDir, 'path.txt'))
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, executable || 'electron')
    return exists(binary) ? { kind: 'launch', binary } : { kind: 'headless', reason: `no Electron binary at ${binary} (ELECTRON_OVERRIDE_DIST_PATH)` }
  }
  if (executable) {
    const binary = path.join(electronDir, 'dist', executable)
    if (exists(binary)) return { kind: 'launch', binary }
  }
  if (env.CI) return { kind: 'headless', reason: 'no Electron binary is installed, and CI does not download one' }
  return { kind: 'download' }
}
