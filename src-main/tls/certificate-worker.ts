/**
 * Entry point of the certificate worker thread (bundled as certificate-worker.mjs beside each
 * relay bundle): opens or makes the CA and issues leaves with the X.509 library, so that library
 * and its dependencies (about half of the relay's heap once loaded) live in this thread's heap,
 * not in the one every garbage collection of the relay has to walk.
 */
import { parentPort } from 'node:worker_threads'
import type { FromCertificateWorker, ToCertificateWorker } from '../../shared/certificate-worker-messages.js'
import { LocalCa } from './local-ca.js'

const port = parentPort
if (!port) throw new Error('certificate-worker.mjs runs as a worker thread of the relay')

/**
 * The CA of each folder, read once per worker: a start asks to open it and then to issue a leaf,
 * which would otherwise parse the certificate and import the key twice. A failed open is not kept.
 */
const opened = new Map<string, Promise<LocalCa>>()
function openCa(directory: string, now: Date): Promise<LocalCa> {
  let ca = opened.get(directory)
  if (!ca) {
    ca = LocalCa.open(directory, now)
    opened.set(directory, ca)
    ca.catch(() => opened.delete(directory))
  }
  return ca
}

port.on('message', async (message: ToCertificateWorker) => {
  const reply = (answer: FromCertificateWorker) => port.postMessage(answer)
  try {
    const ca = await openCa(message.directory, new Date(message.now))
    if (message.type === 'open') return reply({ type: 'opened', id: message.id, ca: { der: ca.der, pem: ca.pem, subject: ca.subject } })
    const certificate = await ca.issue(message.names, message.lifetimeMs, new Date(message.now))
    reply({ type: 'issued', id: message.id, certificate })
  } catch (error) {
    reply({ type: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) })
  }
})
