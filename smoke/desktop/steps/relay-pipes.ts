import { pipeTwoClients } from '../../../test/helpers/clients.js'
import { runningApp, type SmokeStep } from '../smoke-step.js'
import { runningRelayPort } from './relay-status.js'

export const relayPipes: SmokeStep = {
  name: 'the relay listens, and two published Clients pipe messages through it',
  async run(context) {
    const port = await runningRelayPort(await runningApp(context).window())
    await pipeTwoClients(`ws://localhost:${port}`)
  },
}
