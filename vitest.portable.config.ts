import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * `npm run test:portable`: the suites that run on macOS and Windows too (the release workflow runs
 * them there). Left out: whatever needs Linux network namespaces, python-zeroconf or Chromium from
 * Debian, or reads /proc.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        'node_modules/**',
        // Network namespaces and python-zeroconf.
        'test/discovery/**',
        'test/access/public-address.test.ts',
        'test/node/discovery-under-load.test.ts',
        // Debian's Chromium (and network namespaces).
        'test/e2e/**',
        // A relay's memory from /proc.
        'test/limits/backpressure.test.ts',
        'test/limits/waiting-flood.test.ts',
        'test/limits/idle-memory.test.ts',
        // A log folder under /proc that cannot be created.
        'test/desktop/logging.test.ts',
        // Packaging for Linux with a stand-in Electron binary; the Linux job runs it.
        'test/packaging/packaged-files.test.ts',
        // systemd-analyze (Debian's systemd).
        'test/packaging/systemd-unit.test.ts',
        // Runs the package's bin directly and stops it with SIGTERM (Windows has a .cmd shim, no SIGTERM).
        'test/packaging/npm-package.test.ts',
      ],
    },
  }),
)
