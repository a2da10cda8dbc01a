import path from 'node:path'
import type { TrayIconState } from './tray-model.js'

/**
 * The tray icon file for a state. macOS gets template images (black and alpha, tinted by the
 * menu bar; `Template` in the name tells Electron, and the @2x sibling is picked up by itself),
 * Windows .ico files with every size its tray asks for, Linux PNGs.
 */
export function trayIconFile(trayAssetsDir: string, state: TrayIconState, platform: NodeJS.Platform): string {
  const name = platform === 'darwin' ? `tray-${state}Template.png` : platform === 'win32' ? `tray-${state}.ico` : `tray-${state}.png`
  return path.join(trayAssetsDir, name)
}
