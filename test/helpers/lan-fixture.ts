/**
 * A LAN of network namespaces and a scratch folder for one describe block: built before its tests,
 * and after them every process the file started is killed, the namespaces go and the folder too.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { Lan, type Host, type LanSpec } from './netns.js'
import { killAll } from './ns-process.js'

export interface LanFixture {
  readonly lan: Lan
  readonly hosts: Host[]
  readonly dir: string
}

export function lanFixture(spec: LanSpec, folderPrefix: string): LanFixture {
  let lan: Lan | undefined
  let dir: string | undefined
  beforeAll(async () => {
    lan = await Lan.create(spec)
    dir = mkdtempSync(join(tmpdir(), folderPrefix))
  }, 30_000)
  afterAll(async () => {
    await killAll()
    await lan?.destroy()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }, 30_000)
  return {
    get lan() {
      return lan!
    },
    get hosts() {
      return lan!.hosts
    },
    get dir() {
      return dir!
    },
  }
}
