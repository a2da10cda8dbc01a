/** The smoke test's steps, in the order they run; each leaves the app running unless it says otherwise. */
import type { SmokeStep } from '../smoke-step.js'
import { dashboardLoads } from './dashboard-loads.js'
import { relayPipes } from './relay-pipes.js'

export const SMOKE_STEPS: readonly SmokeStep[] = [dashboardLoads, relayPipes]
