/**
 * `npm run package:smoke`: packages the app for the smoke test with electron-builder, from
 * electron-builder.yml with SMOKE_BUILD_CONFIG's two changes: the output folder, and Node's
 * --inspect switch left on (playwright's Electron support needs it). Unpacked only: no installer.
 */
import path from 'node:path'
import { build } from 'electron-builder'
import { SMOKE_BUILD_CONFIG } from './smoke-app.js'

const projectDir = path.resolve(import.meta.dirname, '../..')

await build({
  projectDir,
  dir: true,
  publish: 'never',
  config: SMOKE_BUILD_CONFIG,
})
