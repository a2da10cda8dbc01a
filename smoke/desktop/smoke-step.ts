/**
 * What a step of the desktop smoke test gets and gives. Steps run in order against one profile;
 * `app` is the running app, which a step may quit and relaunch (the next step sees the new one).
 */
import type { AppUnderTest, SmokeProfile } from './app-under-test.js'

export interface SmokeContext {
  readonly profile: SmokeProfile
  /** The packaged app's binary. */
  readonly executable: string
  /** The app as it runs now; undefined once a step quit it for good. */
  app: AppUnderTest | undefined
  /** Launches the app again in the same profile and makes it `app`. */
  relaunch(): Promise<AppUnderTest>
}

export interface SmokeStep {
  /** Says what is checked, as the runner prints it ("ok - <name>"). */
  name: string
  /** Throws, saying what it saw, when the app does not do what `name` says. */
  run(context: SmokeContext): Promise<void>
}

/** The running app, for steps that need one. */
export function runningApp(context: SmokeContext): AppUnderTest {
  if (!context.app) throw new Error('the app is not running (an earlier step quit it)')
  return context.app
}
