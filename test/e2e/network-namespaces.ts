/**
 * Two hosts on one machine: network namespaces joined by a veth pair, with private addresses used
 * only inside them, so a request from one really arrives at the other from a non-loopback address.
 * Needs root (CI runs as root).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CLI_ENTRY, LISTENING_LINE, REPO_ROOT } from '../helpers/processes.js'

export const canCreateNamespaces = () => process.getuid?.() === 0 && commandExists('ip')

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })

export interface TwoHosts {
  relayNamespace: string
  lanNamespace: string
  relayAddress: string
  lanAddress: string
  /** An executable that runs `command` with its arguments inside the LAN namespace. */
  wrapperInLan(command: string): string
  remove(): void
}

export function createTwoHosts(): TwoHosts {
  const tag = `${process.pid % 100_000}`
  const relayNamespace = `sbdash-relay-${tag}`
  const lanNamespace = `sbdash-lan-${tag}`
  const relayAddress = '10.213.0.1'
  const lanAddress = '10.213.0.2'
  const scratch = mkdtempSync(path.join(tmpdir(), 'sbdash-'))
  const remove = () => {
    for (const namespace of [relayNamespace, lanNamespace]) {
      try {
        ip('netns', 'del', namespace)
      } catch {
        // Already gone (or never made): nothing to clean.
      }
    }
    rmSync(scratch, { recursive: true, force: true })
  }
  try {
    ip('netns', 'add', relayNamespace)
    ip('netns', 'add', lanNamespace)
    ip('link', 'add', `sbdr${tag}`, 'type', 'veth', 'peer', 'name', `sbdl${tag}`)
    ip('link', 'set', `sbdr${tag}`, 'netns', relayNamespace)
    ip('link', 'set', `sbdl${tag}`, 'netns', lanNamespace)
    for (const [namespace, device, address] of [
      [relayNamespace, `sbdr${tag}`, relayAddress],
      [lanNamespace, `sbdl${tag}`, lanAddress],
    ] as const) {
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', device)
      ip('-n', namespace, 'link', 'set', device, 'up')
      ip('-n', namespace, 'link', 'set', 'lo', 'up')
    }
  } catch (error) {
    remove()
    throw error
  }
  return {
    relayNamespace,
    lanNamespace,
    relayAddress,
    lanAddress,
    wrapperInLan(command) {
      const file = path.join(scratch, `${path.basename(command)}-in-lan.sh`)
      writeFileSync(file, `#!/bin/sh\nexec ip netns exec ${lanNamespace} ${command} "$@"\n`)
      chmodSync(file, 0o755)
      return file
    },
    remove,
  }
}

export interface NamespacedRelay {
  child: ChildProcess
  port: number
  stdout(): string
  stop(): Promise<void>
}

/** The headless relay CLI on all interfaces of `namespace`, on a free port. */
export async function startRelayIn(namespace: string, args: string[], env: Record<string, string> = {}): Promise<NamespacedRelay> {
  // `ip netns exec` execs node in place, so the child's pid is the relay's.
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, CLI_ENTRY, '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<void>(resolve => child.once('close', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay in ${namespace} did not start: ${stdout}${stderr}`)), 15_000)
    const check = () => {
      const match = LISTENING_LINE.exec(stdout.split('\n')[0] ?? '')
      if (match && stdout.includes('\n')) {
        clearTimeout(timer)
        resolve(Number(match[3]))
      }
    }
    child.stdout!.on('data', check)
    void exited.then(() => reject(new Error(`relay in ${namespace} exited: ${stdout}${stderr}`)))
  })
  return {
    child,
    port,
    stdout: () => stdout,
    async stop() {
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killer)
    },
  }
}
