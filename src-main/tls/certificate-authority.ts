/**
 * The relay's CA as the relay uses it: what it serves and shows, and new leaves on demand. The
 * X.509 work runs in a worker thread (certificate-worker.mjs beside the bundle), started for a job
 * and ended once idle: loaded into the relay's own thread, the library and its dependencies would
 * stay there for good and double the heap that every full garbage collection walks, which
 * lengthens the relay's pauses (measured: a 64 KiB round trip's p99 at 200/s was 10–14 ms with it
 * in the heap, 4.5–5 ms without). Where that file is absent (the relay run from its sources, as in
 * tests) or a worker fails, the same work runs in this thread.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { CaPublicPart, FromCertificateWorker, ToCertificateWorker } from '../../shared/certificate-worker-messages.js'
import { LocalCa, caFingerprint, type ServerCertificate, type ServerNames } from './local-ca.js'

const WORKER_FILE = fileURLToPath(new URL('./certificate-worker.mjs', import.meta.url))
/** A worker with nothing to do ends after this: leaves are renewed days apart. */
const IDLE_MS = 5_000

export interface CertificateAuthority {
  /** DER, as devices install it. */
  readonly der: Buffer
  readonly pem: string
  /** SHA-256 of the DER, lowercase hex. */
  readonly fingerprint: string
  readonly subject: string
  /** A new key and certificate for the relay's server names, valid for `lifetimeMs` from `now`. */
  issue(names: ServerNames, lifetimeMs: number, now?: Date): Promise<ServerCertificate>
}

/** The CA kept in `directory`, made there when there is none (see LocalCa.open). */
export async function openCertificateAuthority(directory: string, now = new Date()): Promise<CertificateAuthority> {
  if (!existsSync(WORKER_FILE)) return LocalCa.open(directory, now)
  const worker = new CertificateWorker()
  let answer: FromCertificateWorker
  try {
    answer = await worker.request({ type: 'open', directory, now: now.getTime() })
  } catch {
    return LocalCa.open(directory, now)
  }
  if (answer.type !== 'opened') throw new Error(`certificate worker answered ${answer.type} to open`)
  return new WorkerCa(directory, answer.ca, worker)
}

class WorkerCa implements CertificateAuthority {
  readonly der: Buffer
  readonly pem: string
  readonly subject: string
  readonly fingerprint: string

  constructor(
    private readonly directory: string,
    ca: CaPublicPart,
    private readonly worker: CertificateWorker,
  ) {
    this.der = Buffer.from(ca.der)
    this.pem = ca.pem
    this.subject = ca.subject
    this.fingerprint = caFingerprint(this.der)
  }

  async issue(names: ServerNames, lifetimeMs: number, now = new Date()): Promise<ServerCertificate> {
    let answer: FromCertificateWorker
    try {
      answer = await this.worker.request({ type: 'issue', directory: this.directory, names, lifetimeMs, now: now.getTime() })
    } catch {
      // A worker that cannot run (or a library error, which then recurs here and is reported).
      return (await LocalCa.open(this.directory, now)).issue(names, lifetimeMs, now)
    }
    if (answer.type !== 'issued') throw new Error(`certificate worker answered ${answer.type} to issue`)
    return answer.certificate
  }
}

/** One worker thread at a time, started by a request and ended once idle; answers matched by id. */
class CertificateWorker {
  private worker: Worker | undefined
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (answer: FromCertificateWorker) => void; reject: (error: Error) => void }>()
  private idleTimer: NodeJS.Timeout | undefined

  request(message: DistributiveOmit<ToCertificateWorker, 'id'>): Promise<FromCertificateWorker> {
    clearTimeout(this.idleTimer)
    const worker = (this.worker ??= this.start())
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      worker.postMessage({ ...message, id })
    })
  }

  private start(): Worker {
    const worker = new Worker(WORKER_FILE)
    worker.on('message', (answer: FromCertificateWorker) => {
      const waiting = this.pending.get(answer.id)
      this.pending.delete(answer.id)
      if (answer.type === 'failed') waiting?.reject(new Error(answer.message))
      else waiting?.resolve(answer)
      if (this.pending.size === 0) this.idleTimer = setTimeout(() => void this.worker?.terminate(), IDLE_MS).unref()
    })
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined
      for (const { reject } of this.pending.values()) reject(error)
      this.pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', code => fail(new Error(`the certificate worker exited with code ${code}`)))
    // After the listeners, which would hold it again: a relay that is stopping does not wait for a renewal in progress.
    worker.unref()
    return worker
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
