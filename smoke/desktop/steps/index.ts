/**
 * The smoke test's steps, in the order they run. Each leaves the app running for the next, except
 * the last, which quits it; a step that restarts the app leaves the new one in `context.app`.
 */
import type { SmokeStep } from '../smoke-step.js'
import { dashboardLoads } from './dashboard-loads.js'
import { quitSaysGoodbye } from './quit-goodbye.js'
import { relayPipes } from './relay-pipes.js'
import { settingsPersist } from './settings-persist.js'
import { singleInstance } from './single-instance.js'

export const SMOKE_STEPS: readonly SmokeStep[] = [dashboardLoads, relayPipes, singleInstance, settingsPersist, quitSaysGoodbye]
