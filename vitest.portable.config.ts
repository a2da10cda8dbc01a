import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

/**
 * `npm run test:portable`: the suites that run on macOS and Windows too (the release workflow runs
 * them there). Left out: whatever needs Linux network namespaces, python-zeroconf or Chromium from
 * Debian, or reads /proc; and, per system, suites that assume Linux or POSIX signals.
 */
const LINUX_ONLY = [
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
  // The whole app on this machine's platform: its tray icons and XDG autostart are Linux's.
  'test/desktop/desktop-app.test.ts',
  // Packaging for Linux with a stand-in Electron binary.
  'test/packaging/packaged-files.test.ts',
  'test/packaging/smoke-app.test.ts',
  // systemd-analyze (Debian's systemd).
  'test/packaging/systemd-unit.test.ts',
]
/** Windows has no SIGTERM or SIGINT for a child and no process groups, and an npm bin is a .cmd shim. */
const POSIX_ONLY = ['test/cli/**', 'test/packaging/npm-package.test.ts']

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['node_modules/**', ...LINUX_ONLY, ...(process.platform === 'win32' ? POSIX_ONLY : [])],
    },
  }),
)
