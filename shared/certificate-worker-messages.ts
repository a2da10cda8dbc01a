/**
 * The messages between the relay and its certificate worker, the thread that runs the X.509
 * library (see src-main/tls/certificate-authority.ts). Structured-clone data only.
 */
import type { ServerCertificate, ServerNames } from '../src-main/tls/local-ca.js'

/** relay → worker. Each carries the CA's folder: the worker opens (or makes) the CA there itself. */
export type ToCertificateWorker =
  | { type: 'open'; id: number; directory: string; now: number }
  | { type: 'issue'; id: number; directory: string; names: ServerNames; lifetimeMs: number; now: number }

/** What the relay keeps of the CA: what it serves and shows, never the key. */
export interface CaPublicPart {
  der: Uint8Array
  pem: string
  subject: string
}

/** worker → relay, answering the request with the same id. */
export type FromCertificateWorker =
  | { type: 'opened'; id: number; ca: CaPublicPart }
  | { type: 'issued'; id: number; certificate: ServerCertificate }
  | { type: 'failed'; id: number; message: string }
