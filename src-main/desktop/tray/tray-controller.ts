/**
 * Keeps the native tray in step with trayModel(): sets the icon, tooltip and menu only when they
 * changed, so a peer joining updates the tooltip and nothing else.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron'
import { trayModel, type TrayAction, type TrayIconState, type TrayInput, type TrayMenuEntry, type TrayModel } from './tray-model.js'

export interface TrayControllerOptions {
  tray: Pick<Tray, 'setImage' | 'setToolTip' | 'setContextMenu'>
  icon(state: TrayIconState): NativeImage
  /** Menu.buildFromTemplate. */
  buildMenu(template: MenuItemConstructorOptions[]): Menu
  onAction(action: TrayAction): void
}

export class TrayController {
  private shown: TrayModel | undefined

  constructor(private readonly options: TrayControllerOptions) {}

  update(input: TrayInput): void {
    const next = trayModel(input)
    const { tray, icon, buildMenu, onAction } = this.options
    if (next.icon !== this.shown?.icon) tray.setImage(icon(next.icon))
    if (next.tooltip !== this.shown?.tooltip) tray.setToolTip(next.tooltip)
    if (!isDeepStrictEqual(next.menu, this.shown?.menu)) tray.setContextMenu(buildMenu(menuTemplate(next.menu, onAction)))
    this.shown = next
  }
}

export function menuTemplate(entries: readonly TrayMenuEntry[], onAction: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return entries.map((entry): MenuItemConstructorOptions => {
    switch (entry.type) {
      case 'status':
        return { label: entry.label, enabled: false }
      case 'separator':
        return { type: 'separator' }
      case 'action':
        return { label: entry.label, enabled: entry.enabled, click: () => onAction(entry.action) }
      case 'checkbox':
        return { type: 'checkbox', label: entry.label, checked: entry.checked, click: () => onAction(entry.action) }
    }
  })
}
