/**
 * `npm run package:smoke`: packages the app for the smoke test with electron-builder, from
 * electron-builder.yml with two changes: the output folder, and Node's --inspect switch left on
 * (playwright's Electron support needs it). Unpacked only: no installer is made or signed.
 */
import path from 'node:path'
import { build } from 'electron-builder'
import { SMOKE_APP_DIR } from './smoke-app.js'

const projectDir = path.resolve(import.meta.dirname, '../..')

await build({
  projectDir,
  dir: true,
  publish: 'never',
  // Merged over electron-builder.yml by electron-builder itself.
  config: { directories: { output: SMOKE_APP_DIR }, electronFuses: { enableNodeCliInspectArguments: true } },
})
