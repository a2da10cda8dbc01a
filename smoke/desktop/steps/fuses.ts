import path from 'node:path'
import { loadBuilderConfig } from '../../../scripts/builder-config.js'
import { configuredFuses, fuseProblems, readFuses } from '../../../scripts/fuse-wire.js'
import { SMOKE_BUILD_CONFIG, packagedExecutable } from '../smoke-app.js'
import type { SmokeStep } from '../smoke-step.js'

export const fuses: SmokeStep = {
  name: 'the installers\' app carries the fuses electron-builder.yml sets; the app under test differs only in --inspect',
  async run(context) {
    const config = await loadBuilderConfig(context.projectDir)
    const output = path.join(context.projectDir, config.directories?.output ?? 'dist')
    const shipped = packagedExecutable(output)
    if (!shipped) throw new Error(`no unpacked app in ${output} to read the installers' fuses from (npm run dist first)`)
    const wanted = configuredFuses(config)
    const problems = [
      ...fuseProblems(await readFuses(shipped), wanted).map(problem => `${shipped}: ${problem}`),
      ...fuseProblems(await readFuses(context.executable), { ...wanted, ...SMOKE_BUILD_CONFIG.electronFuses }).map(problem => `${context.executable}: ${problem}`),
    ]
    if (problems.length > 0) throw new Error(problems.join('\n'))
  },
}
