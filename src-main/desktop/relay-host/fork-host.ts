/**
 * The relay host in a Node child process, presented as Electron's UtilityProcess: what the tests
 * and the bench run instead of Electron (the host itself cannot tell the difference; host-port.ts).
 */
import { fork } from 'node:child_process'
import type { FromRelayHost } from '../../../shared/relay-host-messages.js'
import type { HostProcess, SpawnHost } from './hosted-node.js'

export function forkHost(bundle: string): SpawnHost {
  return () => {
    const child = fork(bundle, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    const host: HostProcess = {
      postMessage: message => void (child.connected && child.send(message)),
      on: (event: 'message' | 'exit', listener: (value: never) => void) =>
        event === 'message' ? child.on('message', message => listener(message as FromRelayHost as never)) : child.on('exit', code => listener((code ?? -1) as never)),
      kill: () => child.kill('SIGKILL'),
    }
    return host
  }
}
