import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The published Client imports JSON with an import assertion, which Node 20 only warns about.
    env: { NODE_NO_WARNINGS: '1' },
  },
})
