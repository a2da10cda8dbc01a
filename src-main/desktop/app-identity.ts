/**
 * The installer's `appId` (electron-builder.yml; npm run check:builder-config keeps the two equal).
 * Windows groups, pins and attributes notifications to the taskbar entry by this id: without it
 * the app would be Electron's default id, not the one its Start-menu shortcut carries.
 */
export const APP_ID = 'org.switchboard.relay'
