/** The relay host bundle (dist/desktop/relay-host.mjs); see relay-host.ts. */
import { relayHostMain } from './relay-host.js'

relayHostMain()
