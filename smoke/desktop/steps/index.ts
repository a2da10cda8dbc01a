/**
 * The smoke test's steps, in the order they run. Each leaves the app running for the next, except
 * the last, which quits it; a step that restarts the app leaves the new one in `context.app`.
 */
import type { SmokeStep } from '../smoke-step.js'
import { appUserModelId } from './app-user-model-id.js'
import { clipboardCopy } from './clipboard-copy.js'
import { dashboardLoads } from './dashboard-loads.js'
import { fuses } from './fuses.js'
import { loginItemReadBack } from './login-item.js'
import { noTrayWindow } from './no-tray-window.js'
import { quitSaysGoodbye } from './quit-goodbye.js'
import { relayPipes } from './relay-pipes.js'
import { sessionEnd } from './session-end.js'
import { settingsPersist } from './settings-persist.js'
import { singleInstance } from './single-instance.js'
import { trayIconFile } from './tray-icon-file.js'

/** Issue 16's checks that only a real desktop can make; some exist on one OS only. */
const DESKTOP_SHELL_STEPS: readonly SmokeStep[] = [
  clipboardCopy,
  trayIconFile,
  loginItemReadBack,
  ...(process.platform === 'linux' ? [noTrayWindow] : []),
  ...(process.platform === 'win32' ? [appUserModelId, sessionEnd] : []),
]

export const SMOKE_STEPS: readonly SmokeStep[] = [fuses, dashboardLoads, relayPipes, singleInstance, settingsPersist, ...DESKTOP_SHELL_STEPS, quitSaysGoodbye]
