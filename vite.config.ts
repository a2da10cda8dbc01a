import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

/**
 * Builds the dashboard into dist/renderer, which the relay serves: index.html at `/`, everything
 * else under /_switchboard/ (DASHBOARD_PREFIX in shared/monitoring.ts). Every asset is a file of its
 * own (no data: URIs) and nothing refers to another host, so the page works offline under a CSP
 * that allows only the relay itself.
 */
export default defineConfig({
  root: 'src-renderer',
  base: '/_switchboard/',
  plugins: [react()],
  // The workspace package @switchboard/lan-mdns is bundled from its TypeScript source.
  resolve: { conditions: ['@switchboard/source', ...defaultClientConditions] },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: 'es2022',
    // The polyfill would be an inline script, which the CSP forbids; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
  },
})
