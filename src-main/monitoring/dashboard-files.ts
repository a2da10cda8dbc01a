import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { DASHBOARD_PREFIX } from '../../shared/monitoring.js'

export interface DashboardFile {
  body: Buffer
  contentType: string
  /** Vite names these after their content hash, so a browser may keep them forever. */
  immutable: boolean
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
}

/**
 * Where `npm run build` puts the dashboard (scripts/dashboard.mjs). This module sits two levels below
 * the repository's root both as source (src-main/monitoring) and bundled (dist/cli, dist/desktop).
 */
export const BUILT_DASHBOARD_DIR = path.resolve(import.meta.dirname, '../../dist/renderer')

/**
 * The built dashboard, read into memory once (a few hundred KB): `/` is its index.html, everything
 * else lives under DASHBOARD_PREFIX, as vite's `base` says. Undefined when it has not been built.
 */
export function loadDashboardFiles(dir = BUILT_DASHBOARD_DIR): Map<string, DashboardFile> | undefined {
  try {
    return readDashboard(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    // A build swapped a new directory in while the old one was being read: the new one is complete.
    try {
      return readDashboard(dir)
    } catch {
      return undefined
    }
  }
}

function readDashboard(dir: string): Map<string, DashboardFile> | undefined {
  const files = new Map<string, DashboardFile>()
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const full = path.join(dir, name)
    if (!statSync(full).isFile()) continue
    const urlPath = name.split(path.sep).join('/')
    const contentType = CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream'
    files.set(urlPath === 'index.html' ? '/' : DASHBOARD_PREFIX + urlPath, {
      body: readFileSync(full),
      contentType,
      immutable: urlPath.startsWith('assets/'),
    })
  }
  return files.has('/') ? files : undefined
}
