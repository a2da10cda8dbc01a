/**
 * What the installers would contain, computed by electron-builder itself: a real `--dir` packaging
 * run of electron-builder.yml (files, asar, unpacking, the production dependencies it collects)
 * with a stand-in for the Electron binary, which cannot be downloaded offline, and without fuses
 * (they are written into that binary). Then checks the result: no test files, no TypeScript, no
 * devDependencies, every native `.node` file outside app.asar. `npm run check:packaged-files`.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'electron-builder'

const REPO_ROOT = path.resolve(import.meta.dirname, '..')

interface AsarEntry {
  files?: Record<string, AsarEntry>
  unpacked?: boolean
  link?: string
}

const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'))
const asar = builderRequire('@electron/asar') as { getRawHeader(archive: string): { header: AsarEntry } }

export interface PackagedApp {
  /** Every file in the app, relative to its root (`dist/desktop/main.mjs`, `node_modules/ws/index.js`). */
  files: string[]
  /** Those of them left outside app.asar, in app.asar.unpacked. */
  unpacked: Set<string>
}

/** Packages the app for Linux (`--dir`) into a temporary folder and reads what app.asar holds. */
export async function packageForInspection(projectDir = REPO_ROOT): Promise<PackagedApp> {
  const work = mkdtempSync(path.join(tmpdir(), 'switchboard-packaged-'))
  try {
    const electronDist = path.join(work, 'electron-dist')
    mkdirSync(electronDist)
    writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\nexit 1\n')
    chmodSync(path.join(electronDist, 'electron'), 0o755)
    const output = path.join(work, 'out')
    await build({
      projectDir,
      dir: true,
      linux: ['dir'],
      publish: 'never',
      // Merged over electron-builder.yml by electron-builder itself.
      config: { electronDist, electronFuses: null, directories: { output } },
    })
    const { header } = asar.getRawHeader(path.join(output, 'linux-unpacked', 'resources', 'app.asar'))
    const files: string[] = []
    const unpacked = new Set<string>()
    const walk = (entry: AsarEntry, at: string) => {
      for (const [name, child] of Object.entries(entry.files ?? {})) {
        const file = at ? `${at}/${name}` : name
        if (child.files) walk(child, file)
        else {
          files.push(file)
          if (child.unpacked) unpacked.add(file)
        }
      }
    }
    walk(header, '')
    return { files, unpacked }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** npm's record of the installed tree: which package folders are there only for development. */
export interface InstalledTree {
  /** `dev`: reached only through devDependencies. (`devOptional` is also reached through an optional
   * dependency of the app's, as detect-libc through msgpackr-extract: it ships.) */
  packages: Record<string, { dev?: boolean }>
}

const TEST_FILE = /(^|\/)(test|tests|__tests__|spec|specs)\/|(^|\/|[.-])(test|spec)([.-][^/]*)?\.[cm]?[jt]sx?$/
const TYPESCRIPT = /\.(ts|tsx|mts|cts)$/

/** What is wrong with the app's contents; empty when nothing is. */
export function packagedFileProblems(app: PackagedApp, tree: InstalledTree): string[] {
  const problems: string[] = []
  for (const file of app.files) {
    if (TEST_FILE.test(file)) problems.push(`test file: ${file}`)
    if (TYPESCRIPT.test(file)) problems.push(`TypeScript: ${file}`)
    if (file.endsWith('.node') && !app.unpacked.has(file)) problems.push(`native module inside app.asar (cannot be loaded from there): ${file}`)
  }
  const packageFolders = app.files.filter(file => file.startsWith('node_modules/') && file.endsWith('/package.json')).map(file => path.posix.dirname(file))
  for (const folder of packageFolders) {
    // A package.json below a package's own folder (a `dist/esm/package.json` marker) is not a package.
    const entry = tree.packages[folder]
    if (!entry) {
      if (!packageFolders.some(other => other !== folder && folder.startsWith(`${other}/`) && !folder.slice(other.length).includes('/node_modules/'))) {
        problems.push(`package npm did not install: ${folder}`)
      }
    } else if (entry.dev) problems.push(`devDependency: ${folder}`)
  }
  return problems
}

export function installedTree(projectDir = REPO_ROOT): InstalledTree {
  return JSON.parse(readFileSync(path.join(projectDir, 'node_modules', '.package-lock.json'), 'utf8')) as InstalledTree
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const app = await packageForInspection()
  const problems = packagedFileProblems(app, installedTree())
  for (const problem of problems) console.error(problem)
  if (problems.length > 0) process.exit(1)
  console.log(`packaged app: ${app.files.length} files, ${app.unpacked.size} of them unpacked from app.asar, no problems`)
}
