/**
 * The relay's own certificate authority: made once per config folder, kept there (the key readable
 * by its owner only) and reused on every start, so a device that trusted it once keeps trusting
 * every certificate the relay issues afterwards, whatever its addresses become.
 */
import type * as X509 from '@peculiar/x509'
import { createHash, randomBytes, webcrypto } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * Loaded at the first use, not with the relay: it doubles the start-up time of a relay (and of
 * `--help`), and a relay with TLS off never needs it.
 */
let library: Promise<typeof X509> | undefined
function x509Library(): Promise<typeof X509> {
  library ??= (async () => {
    // tsyringe, under @peculiar/x509, needs the Reflect metadata API before it loads.
    await import('reflect-metadata')
    const x509 = await import('@peculiar/x509')
    x509.cryptoProvider.set(webcrypto as never)
    return x509
  })()
  return library
}

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const CA_KEY_FILE = 'ca.key'
const CA_CERT_FILE = 'ca.crt'
const DAY_MS = 24 * 60 * 60 * 1000
/** A CA outlives many leaves; devices that installed it should not have to again for years. */
const CA_LIFETIME_MS = 10 * 365 * DAY_MS
/** Clocks of phones and laptops disagree by minutes; a certificate valid "from now" would fail on some. */
const CLOCK_SKEW_MS = 60 * 60 * 1000

/** Who a server certificate is for. */
export interface ServerNames {
  dnsNames: string[]
  /** IP addresses, without a zone (`%eth0`). */
  ips: string[]
}

export interface ServerCertificate extends ServerNames {
  /** PEM: the leaf, then the CA, so clients that trust the CA get the whole chain. */
  certPem: string
  keyPem: string
  notBefore: Date
  notAfter: Date
}

/** SHA-256 of a CA's DER, lowercase hex: what a device shows when it installs the CA. */
export const caFingerprint = (der: Buffer) => createHash('sha256').update(der).digest('hex')

/** The CA itself, with its key and the X.509 library: in the certificate worker, or here where there is none (see certificate-authority.ts). */
export class LocalCa {
  private constructor(
    private readonly certificate: X509.X509Certificate,
    private readonly keys: webcrypto.CryptoKeyPair,
  ) {}

  /** The CA kept in `directory`; made there (atomically: relays starting at once agree on one) when there is none. */
  static async open(directory: string, now = new Date()): Promise<LocalCa> {
    const existing = await LocalCa.load(directory)
    if (existing) return existing
    await LocalCa.create(directory, now)
    const created = await LocalCa.load(directory)
    if (!created) throw new Error(`the certificate authority in ${directory} could not be read back`)
    return created
  }

  /** DER, as devices install it. */
  get der(): Buffer {
    return Buffer.from(this.certificate.rawData)
  }

  get pem(): string {
    return this.certificate.toString('pem')
  }

  get fingerprint(): string {
    return caFingerprint(this.der)
  }

  get subject(): string {
    return this.certificate.subject
  }

  /** A new key and certificate for the relay's server names, valid for `lifetimeMs` from `now`. */
  async issue(names: ServerNames, lifetimeMs: number, now = new Date()): Promise<ServerCertificate> {
    const x509 = await x509Library()
    const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])
    const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS)
    const notAfter = new Date(now.getTime() + lifetimeMs)
    const altNames = [...names.dnsNames.map(value => ({ type: 'dns' as const, value })), ...names.ips.map(value => ({ type: 'ip' as const, value }))]
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${names.dnsNames[0] ?? 'switchboard relay'}`,
      issuer: this.certificate.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: KEY_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(altNames),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    })
    return {
      ...names,
      certPem: `${leaf.toString('pem')}\n${this.pem}\n`,
      keyPem: await privateKeyPem(x509, keys.privateKey),
      notBefore,
      notAfter,
    }
  }

  private static async load(directory: string): Promise<LocalCa | undefined> {
    const x509 = await x509Library()
    let keyPem: string, certPem: string
    try {
      keyPem = readFileSync(join(directory, CA_KEY_FILE), 'utf8')
      certPem = readFileSync(join(directory, CA_CERT_FILE), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const certificate = new x509.X509Certificate(certPem)
    const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), KEY_ALGORITHM, false, ['sign'])
    return new LocalCa(certificate, { privateKey, publicKey: await certificate.publicKey.export(KEY_ALGORITHM, ['verify']) })
  }

  private static async create(directory: string, now: Date): Promise<void> {
    const x509 = await x509Library()
    const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])
    const name = `CN=Switchboard local CA (${distinguishedNameValue(hostname())} ${randomBytes(4).toString('hex')}), O=Switchboard`
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name,
      notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
      notAfter: new Date(now.getTime() + CA_LIFETIME_MS),
      keys,
      signingAlgorithm: KEY_ALGORITHM,
      extensions: [
        // pathLength 0: it signs the relay's own certificates, never another CA.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    })
    // Written in a folder of its own and renamed into place: a rename onto a folder that another
    // relay has just made fails, and that relay's CA is then the one both use.
    mkdirSync(join(directory, '..'), { recursive: true })
    const staging = mkdtempSync(`${directory}.new-`)
    try {
      writeFileSync(join(staging, CA_KEY_FILE), await privateKeyPem(x509, keys.privateKey), { mode: 0o600 })
      writeFileSync(join(staging, CA_CERT_FILE), certificate.toString('pem'), { mode: 0o644 })
      chmodSync(staging, 0o700)
      renameSync(staging, directory)
    } catch (error) {
      rmSync(staging, { recursive: true, force: true })
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
    }
  }
}

/** Positive, unpredictable, 16 bytes: what CAs are asked to use. */
const serialNumber = () => {
  const bytes = randomBytes(16)
  bytes[0]! &= 0x7f
  return bytes.toString('hex')
}

async function privateKeyPem(x509: typeof X509, key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY')
}

/** A host name may hold characters that would end or split a distinguished-name value. */
const distinguishedNameValue = (text: string) => text.replace(/[^\w.-]/g, '-').slice(0, 40)
