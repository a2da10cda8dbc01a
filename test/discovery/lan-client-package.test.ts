/**
 * lan-client used the way an app uses it: @switchboard/lan-mdns and @switchboard/lan-client packed
 * with `npm pack`, installed from those tarballs into an empty app folder outside the repository,
 * and run with plain `node` (no TypeScript tooling, no loader) on two hosts (network namespaces):
 * clients with no url find the relay on a third host and pipe through it.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, expect, test } from 'vitest'
import { lanFixture } from '../helpers/lan-fixture.js'
import { describeOnLan, lanCapability, type Host } from '../helpers/netns.js'
import { NsProcess, startRelay, type AgentEvent } from '../helpers/ns-process.js'
import { REPO_ROOT } from '../helpers/processes.js'

const run = promisify(execFile)
const PACKAGES = ['lan-mdns', 'lan-client']

interface PackedFile {
  filename: string
  files: { path: string }[]
}

const capability = await lanCapability()

describeOnLan(capability, 'lan-client installed from its npm pack tarball, run with plain node', () => {
  const fixture = lanFixture({ hosts: 3 }, 'switchboard-app-')
  let dir: string
  let appDir: string
  let packed: PackedFile[]
  let relayHost: Host, appHost1: Host, appHost2: Host

  // After the fixture's own beforeAll, which built the LAN and the scratch folder.
  beforeAll(async () => {
    dir = fixture.dir
    ;[relayHost, appHost1, appHost2] = fixture.hosts as [Host, Host, Host]
    // `npm pack` runs each package's prepare script first: the tarballs hold a fresh build.
    const workspaces = PACKAGES.flatMap(name => ['--workspace', name])
    const { stdout } = await run('npm', ['pack', ...workspaces, '--pack-destination', dir, '--json'], { cwd: REPO_ROOT })
    packed = JSON.parse(stdout) as PackedFile[]

    appDir = join(dir, 'app')
    mkdirSync(appDir)
    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'lan-app', private: true, type: 'module' }))
    copyFileSync(join(REPO_ROOT, 'test/discovery/agents/packaged-app.mjs'), join(appDir, 'app.mjs'))
    copyFileSync(join(REPO_ROOT, 'test/discovery/agents/packaged-app-types.ts'), join(appDir, 'types.ts'))
    // The published Client at the version the repository tests against; npm's cache serves it.
    const { devDependencies } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
    const tarballs = packed.map(file => join(dir, file.filename))
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs, `@localfirst/relay@${devDependencies['@localfirst/relay']}`], {
      cwd: appDir,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    })
  }, 120_000)

  test('the tarballs hold built JavaScript and .d.ts types, and the app gets copies, not links into the repository', () => {
    for (const file of packed) {
      const paths = file.files.map(entry => entry.path)
      expect(paths).toContain('dist/index.js')
      expect(paths).toContain('dist/index.d.ts')
      expect(paths.filter(path => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([])
    }
    const clientFiles = packed.find(file => file.filename.includes('lan-client'))!.files.map(entry => entry.path)
    expect(clientFiles).toEqual(expect.arrayContaining(['dist/browser.js', 'dist/browser.d.ts']))
    for (const name of PACKAGES) {
      const installed = join(appDir, 'node_modules/@switchboard', name)
      expect(lstatSync(installed).isSymbolicLink()).toBe(false)
      const files = readdirSync(installed, { recursive: true, withFileTypes: true }).filter(entry => entry.isFile())
      const sources = files.map(entry => relative(installed, join(entry.parentPath, entry.name))).filter(path => /(?<!\.d)\.ts$/.test(path))
      expect(sources).toEqual([])
    }
    const client = JSON.parse(readFileSync(join(appDir, 'node_modules/@switchboard/lan-client/package.json'), 'utf8')) as Record<string, unknown>
    expect(client).toMatchObject({ dependencies: { '@switchboard/lan-mdns': '0.1.0' }, peerDependencies: { '@localfirst/relay': '^4.2.2' } })
  })

  test('a TypeScript app type-checks against the installed .d.ts files', async () => {
    // The app has no @types/node of its own: the repository's stands in for the one a real app installs.
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc')
    const options = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022', '--typeRoots', join(REPO_ROOT, 'node_modules/@types'), '--types', 'node']
    const checked = await run(process.execPath, [tsc, ...options, 'types.ts'], { cwd: appDir }).catch((error: { stdout: string }) => error)
    expect(checked.stdout).toBe('')
  }, 30_000)

  test('two clients with no url, on two hosts, find the relay on a third and pipe through it both ways', async () => {
    const relay = startRelay(relayHost, { hostname: 'relay-p', idFile: join(dir, 'relay-id') })
    await relay.waitForLine(/mDNS: advertising "Switchboard on relay-p"/, 20_000)
    const id = readFileSync(join(dir, 'relay-id'), 'utf8').trim()

    // NODE_OPTIONS emptied: nothing from the test runner's process may load a TypeScript loader.
    const startApp = (host: Host, peerId: string) => new NsProcess(host, [process.execPath, join(appDir, 'app.mjs'), peerId], { env: { NODE_OPTIONS: '' } })
    const [app1, app2] = [startApp(appHost1, 'p1'), startApp(appHost2, 'p2')]
    for (const app of [app1, app2]) {
      const ready = await app.waitForEvent(event => event.ev === 'ready', 10_000, 0, 'the app to start')
      expect(ready.execArgv).toEqual([])
      expect(ready.loaded).toBe(pathToFileURL(join(appDir, 'node_modules/@switchboard/lan-client/dist/index.js')).href)
    }

    const url = `ws://${relayHost.ip}:8080`
    const found = (event: AgentEvent) => event.ev === 'relay-change' && event.id === id && event.url === url
    const heard = (app: NsProcess, from: string) =>
      app.waitForEvent(event => event.ev === 'message' && event.peerId === from && event.text === `hello from ${from}`, 10_000, 0, `the greeting from ${from}`)
    await Promise.all([app1.waitForEvent(found, 5_000, 0, 'app 1 to find the relay'), app2.waitForEvent(found, 5_000, 0, 'app 2 to find the relay')])
    await Promise.all([heard(app1, 'p2'), heard(app2, 'p1')])
  }, 40_000)
})
