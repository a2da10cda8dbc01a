/**
 * The GitHub Actions workflows, checked offline: GitHub's workflow schema through the npm-packaged
 * @action-validator/cli (WebAssembly, no download), and every npm script and file they run exists.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { REPO_ROOT } from '../helpers/processes.js'

const WORKFLOWS_DIR = path.join(REPO_ROOT, '.github/workflows')
const workflows = readdirSync(WORKFLOWS_DIR).filter(name => name.endsWith('.yml'))
const VALIDATOR = path.join(REPO_ROOT, 'node_modules/@action-validator/cli/cli.mjs')

function validate(file: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8' })
  return { status: result.status, output: result.stdout + result.stderr }
}

describe('GitHub Actions workflows', () => {
  test('there is a release workflow and a CI workflow', () => {
    expect(workflows.sort()).toEqual(['ci.yml', 'release.yml'])
  })

  test.each(workflows)('%s passes the workflow schema', name => {
    const { status, output } = validate(path.join(WORKFLOWS_DIR, name))
    expect(output).toBe('')
    expect(status).toBe(0)
  })

  test('the validator refuses a workflow GitHub would refuse (so the check is real)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-workflow-'))
    const broken = path.join(dir, 'release.yml')
    writeFileSync(broken, readFileSync(path.join(WORKFLOWS_DIR, 'release.yml'), 'utf8').replace('runs-on:', 'runs_on:'))
    const { status, output } = validate(broken)
    expect(status).toBe(1)
    expect(output).toMatch(/runs-on|runs_on/)
  })

  test.each(workflows)('every npm script and file %s runs exists', name => {
    const text = readFileSync(path.join(WORKFLOWS_DIR, name), 'utf8')
    const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    const npmScripts = [...text.matchAll(/npm run ([\w:-]+)/g)].map(match => match[1]!)
    const files = [...text.matchAll(/bash (\S+)/g)].map(match => match[1]!)
    expect(npmScripts.length + files.length).toBeGreaterThan(0)
    expect(npmScripts.filter(script => !(script in scripts))).toEqual([])
    expect(files.filter(file => !existsSync(path.join(REPO_ROOT, file)))).toEqual([])
  })

  test('the release workflow builds and smoke-tests on all three systems, on tags and by hand', () => {
    const text = readFileSync(path.join(WORKFLOWS_DIR, 'release.yml'), 'utf8')
    expect(text).toContain('os: [ubuntu-latest, macos-latest, windows-latest]')
    expect(text).toMatch(/tags: \['v\*'\]\n\s+workflow_dispatch:/)
    expect(text).toContain('xvfb-run --auto-servernum npm run smoke:desktop')
    // The job knows only whether a certificate is set, so a fork without secrets still builds; a secret
    // itself reaches only a signing step that runs when it is set (never npm ci's scripts or the tests).
    const [job, ...steps] = text.split(/\n      - /)
    expect(job!.match(/secrets\.\w+ != ''/g)).toHaveLength(2)
    expect(job).not.toMatch(/\$\{\{ secrets\.\w+ \}\}/)
    const signing = steps.filter(step => /\$\{\{ secrets\.\w+ \}\}/.test(step))
    expect(signing).toHaveLength(2)
    for (const step of signing) expect(step).toMatch(/if: .*env\.HAS_(MAC|WIN)_CERT == 'true'/)
  })
})
