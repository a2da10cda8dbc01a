/**
 * A process that claims an instance id as a relay does and holds it until stdin closes (or it is
 * killed): the id store's tests start several at once. Prints {"id","file"} once it holds one.
 */
import { InstanceIdClaim } from '../../../src-main/discovery/instance-id.js'

const claim = InstanceIdClaim.take(process.argv[2]!)
process.stdout.write(`${JSON.stringify({ id: claim.id, file: claim.file ?? null, problem: claim.problem ?? null })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  claim.release()
  process.exit(0)
})
