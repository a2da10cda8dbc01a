import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { PenaltyBox, normalizeAddress } from '../relay/admission.js'

export type SignInResult = { ok: true; cookie: string } | { ok: false; retryAfterSeconds: number }

const COOKIE_NAME = 'switchboard_admin'
const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600

const isLoopbackAddress = (address: string | undefined): boolean => {
  const normalized = normalizeAddress(address)
  return normalized === '::1' || normalized.startsWith('127.')
}

/**
 * Who may see peer and document ids (often the only secret a local-first document has): anyone on
 * this machine, and others only with the admin token the user configured. A browser proves the
 * token once (sign-in) and then carries a cookie derived from it; scripts may send
 * `Authorization: Bearer <token>` instead.
 */
export class AdminAccess {
  private tokenDigest: Buffer | undefined
  private session: string | undefined
  /** Addresses that sent a wrong token wait before trying again, doubling each time. */
  private readonly failedSignIns = new PenaltyBox()

  constructor(adminToken: string | undefined) {
    this.setToken(adminToken)
  }

  /**
   * A new admin token (or none): required at the next sign-in. Sessions signed in with the old one
   * stop working at once, since their cookie is derived from the token. False when it is the same
   * token, which changes nothing.
   */
  setToken(adminToken: string | undefined): boolean {
    const digest = adminToken ? sha256(adminToken) : undefined
    const same = digest && this.tokenDigest ? digest.equals(this.tokenDigest) : digest === this.tokenDigest
    if (same) return false
    this.tokenDigest = digest
    // Derived, so the cookie a browser keeps is not the token the user typed.
    this.session = adminToken ? createHmac('sha256', adminToken).update('switchboard dashboard session').digest('base64url') : undefined
    return true
  }

  get tokenConfigured(): boolean {
    return this.tokenDigest !== undefined
  }

  /** Whether this request may see the dashboard and its data: from this machine, or with the credential. */
  allows(req: IncomingMessage): boolean {
    return this.isLocal(req) || this.hasCredential(req)
  }

  /** From this machine, needing no token. A loopback request naming a foreign host is a web page that rebound its DNS name to us. */
  isLocal(req: IncomingMessage): boolean {
    return isLoopbackAddress(req.socket.remoteAddress) && isLocalHostHeader(req.headers.host)
  }

  /**
   * The same for the monitoring socket, which browsers open across origins: the page that opens it
   * must be the dashboard itself, not some other site the admin happens to have open.
   */
  allowsUpgrade(req: IncomingMessage): boolean {
    return isSameOrigin(req) && this.allows(req)
  }

  /** `secure`: signed in over https, so the cookie is marked Secure and never travels over plain http. */
  signIn(address: string | undefined, candidate: string, secure = false): SignInResult {
    const from = normalizeAddress(address)
    const wait = this.failedSignIns.remaining(from)
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.ceil(wait / 1000) }
    if (this.tokenDigest && candidate && timingSafeEqual(sha256(candidate), this.tokenDigest)) {
      const cookie = `${COOKIE_NAME}=${this.session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_SECONDS}${secure ? '; Secure' : ''}`
      return { ok: true, cookie }
    }
    this.failedSignIns.prune()
    this.failedSignIns.penalize(from)
    return { ok: false, retryAfterSeconds: Math.ceil(this.failedSignIns.remaining(from) / 1000) }
  }

  private hasCredential(req: IncomingMessage): boolean {
    if (!this.tokenDigest) return false
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (bearer !== undefined) return timingSafeEqual(sha256(bearer), this.tokenDigest)
    const session = readCookie(req.headers.cookie, COOKIE_NAME)
    return session !== undefined && timingSafeEqual(sha256(session), sha256(this.session!))
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=')
  }
  return undefined
}

/** Whether a browser sent this from a page of the relay itself (non-browser clients send no Origin). */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

/** Names under which this machine reaches itself: IP literals, localhost, and its own host name. */
function isLocalHostHeader(host: string | undefined): boolean {
  // HTTP/1.0 clients send none; no browser is among them.
  if (host === undefined) return true
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '')
  const lower = name.toLowerCase()
  if (isIP(lower) !== 0 || lower === 'localhost' || lower.endsWith('.localhost')) return true
  const own = hostname().toLowerCase()
  return lower === own || lower === `${own}.local`
}
