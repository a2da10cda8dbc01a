/**
 * Keeps the relay's server certificate right: a new one whenever the names and addresses it must
 * cover change, and well before it expires. Leaves are short-lived on purpose (a leaked one is
 * soon worthless); devices trust the CA, so a new leaf costs them nothing.
 */
import type { TlsIdentity } from '../relay/tls-or-plain.js'
import type { CertificateAuthority } from './certificate-authority.js'
import type { ServerNames } from './local-ca.js'
import { sameNames } from './server-names.js'

const DAY_MS = 24 * 60 * 60 * 1000
export const LEAF_LIFETIME_MS = 30 * DAY_MS
/** Renewed once this share of its life has passed: a machine asleep for days still wakes up with time to spare. */
const RENEW_AT = 2 / 3

export class CertificateKeeper {
  private leaf: { names: ServerNames; renewAt: number } | undefined
  private identity: TlsIdentity | undefined
  /** Updates run one after another: two at once could both issue, and the older could win. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly ca: CertificateAuthority,
    private readonly leafLifetimeMs = LEAF_LIFETIME_MS,
  ) {}

  get current(): TlsIdentity | undefined {
    return this.identity
  }

  /**
   * The certificate for `names`: the current one while it covers exactly them and is young
   * enough, else a new one. Resolves with `issued: true` when it is new.
   */
  update(names: ServerNames, now = new Date()): Promise<{ identity: TlsIdentity; issued: boolean }> {
    const next = this.queue.then(() => this.updateNow(names, now))
    this.queue = next.catch(() => undefined)
    return next
  }

  private async updateNow(names: ServerNames, now: Date): Promise<{ identity: TlsIdentity; issued: boolean }> {
    if (this.identity && this.leaf && sameNames(this.leaf.names, names) && now.getTime() < this.leaf.renewAt) return { identity: this.identity, issued: false }
    const leaf = await this.ca.issue(names, this.leafLifetimeMs, now)
    this.leaf = { names, renewAt: now.getTime() + this.leafLifetimeMs * RENEW_AT }
    this.identity = {
      key: leaf.keyPem,
      cert: leaf.certPem,
      ca: { der: this.ca.der, fingerprint: this.ca.fingerprint },
      names: [...leaf.dnsNames, ...leaf.ips],
      notAfter: leaf.notAfter,
    }
    return { identity: this.identity, issued: true }
  }
}
