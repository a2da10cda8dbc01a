/**
 * `npm run smoke:desktop`: launches the packaged app (dist/smoke-app, `npm run package:smoke`) and
 * runs the steps in steps/index.ts against it, printing one line per step. Not part of `npm test`:
 * it needs an Electron binary and a display, which the release workflow's runners have. Where they
 * are missing it prints one line saying so and exits 0, having checked nothing; in GitHub Actions
 * (GITHUB_ACTIONS=true) the same line fails the run, so a workflow can never pass without it.
 */
import path from 'node:path'
import { cannotRunReason, smokeAppExecutable } from './smoke-app.js'
import type { SmokeContext } from './smoke-step.js'

const projectDir = path.resolve(import.meta.dirname, '../..')

const reason = cannotRunReason(projectDir)
if (reason) {
  const required = process.env.GITHUB_ACTIONS === 'true'
  console.log(`smoke:desktop: ${required ? 'FAILED' : 'not run (no test counted)'}: ${reason}`)
  process.exit(required ? 1 : 0)
}

// Loaded only now: where the test cannot run, nothing but the line above is printed.
const { AppUnderTest, SmokeProfile } = await import('./app-under-test.js')
const { SMOKE_STEPS } = await import('./steps/index.js')
const executable = smokeAppExecutable(projectDir)!
const profile = new SmokeProfile()
const context: SmokeContext = {
  profile,
  executable,
  app: undefined,
  async relaunch() {
    context.app = await AppUnderTest.launch(executable, profile)
    return context.app
  },
}

let failed = 0
try {
  console.log(`smoke:desktop: ${executable}, profile ${profile.root}`)
  await context.relaunch()
  for (const [index, step] of SMOKE_STEPS.entries()) {
    const started = performance.now()
    try {
      await step.run(context)
      console.log(`ok ${index + 1} - ${step.name} (${Math.round(performance.now() - started)} ms)`)
    } catch (error) {
      failed++
      console.log(`not ok ${index + 1} - ${step.name}\n  ${String((error as Error).stack ?? error).replaceAll('\n', '\n  ')}`)
    }
  }
} finally {
  await context.app?.electron.close().catch(() => undefined)
  profile.remove()
}
console.log(`smoke:desktop: ${SMOKE_STEPS.length - failed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
