import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultClientConditions, defaultServerConditions, type Plugin } from 'vite'
import { defineConfig } from 'vitest/config'

/**
 * The workspace packages (lan-mdns, lan-client) run from their TypeScript source, as tsc checks
 * them, in every environment: the tests' own, SSR, and the one that runs the global setup.
 */
const sourceCondition: Plugin = {
  name: 'switchboard-source-condition',
  configEnvironment: (name, config) => {
    const defaults = name === 'client' ? defaultClientConditions : defaultServerConditions
    return { resolve: { conditions: ['@switchboard/source', ...(config.resolve?.conditions ?? defaults)] } }
  },
}

/**
 * What the relays a test run starts remember across restarts (instance ids, the CA, the recently-seen
 * history) goes to a folder of this run, never to the machine's own ~/.config.
 */
const configHome = mkdtempSync(join(tmpdir(), 'switchboard-test-config-'))

export default defineConfig({
  plugins: [sourceCondition],
  test: {
    // .tsx: the dashboard's component tests (each picks jsdom with a `@vitest-environment` comment).
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    // Rebuilds what changed since the last build: tests spawn the bundled CLI and load the built dashboard.
    globalSetup: ['test/helpers/fresh-build.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The published Client imports JSON with an import assertion, which Node 20 only warns about.
    env: { NODE_NO_WARNINGS: '1', XDG_CONFIG_HOME: configHome },
    // electron-store imports `electron`, which the desktop tests mock: inlined, it sees the mock
    // instead of the real package (which would try to download Electron).
    server: { deps: { inline: ['electron-store'] } },
  },
})
