/**
 * Certificate authorities a test's browser trusts, the way a user installs them on Linux: an NSS
 * database (Debian's `certutil`, package libnss3-tools), with no certificate-error flags anywhere.
 * Chromium reads it from `$HOME/.pki/nssdb`, Firefox from its profile folder.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const CERTUTIL = '/usr/bin/certutil'

export interface TrustedCa {
  /** The nickname it gets in the database. */
  name: string
  /** The CA certificate, PEM or DER, as `certutil -i` reads both. */
  certificate: string | Buffer
}

/** Makes an NSS database in `directory` that trusts `cas` to identify web sites, and nothing else. */
export function createNssDatabase(directory: string, cas: TrustedCa[]): void {
  if (!existsSync(CERTUTIL)) throw new Error(`${CERTUTIL} is missing: apt-get install -y libnss3-tools (.ci/run does)`)
  mkdirSync(directory, { recursive: true })
  const db = `sql:${directory}`
  execFileSync(CERTUTIL, ['-d', db, '-N', '--empty-password'])
  for (const ca of cas) {
    const file = path.join(directory, `${ca.name}.ca`)
    writeFileSync(file, ca.certificate)
    execFileSync(CERTUTIL, ['-d', db, '-A', '-t', 'C,,', '-n', ca.name, '-i', file])
  }
}

/** A throwaway HOME for Chromium whose NSS database trusts `cas`. */
export function chromiumHome(home: string, cas: TrustedCa[]): string {
  createNssDatabase(path.join(home, '.pki', 'nssdb'), cas)
  return home
}
