import type { Page } from 'playwright-core'
import { runningApp, type SmokeStep } from '../smoke-step.js'

/** Distinct per run, so a name left over from another run (or another profile) cannot pass for this one. */
export const SMOKE_RELAY_NAME = `smoke-${Math.random().toString(36).slice(2, 8)}`

async function relayNameField(window: Page) {
  await window.getByRole('tab', { name: 'Settings' }).click()
  return window.getByRole('form', { name: 'Settings' }).getByLabel('Relay name')
}

export const settingsPersist: SmokeStep = {
  name: 'a setting changed in the window is saved, and the restarted app has it',
  async run(context) {
    const before = await relayNameField(await runningApp(context).window())
    await before.fill(SMOKE_RELAY_NAME)
    const form = before.page().getByRole('form', { name: 'Settings' })
    await form.getByRole('button', { name: 'Save' }).click()
    await form.getByRole('status').getByText('Saved.').waitFor({ timeout: 15_000 })

    await runningApp(context).quit()
    const after = await relayNameField(await (await context.relaunch()).window())
    const value = await after.inputValue()
    if (value !== SMOKE_RELAY_NAME) throw new Error(`after the restart the relay name reads "${value}", not "${SMOKE_RELAY_NAME}"`)
  },
}
