/**
 * Summarises V8 CPU profiles (from `npm run bench -- --cpu-prof`): the functions and files that
 * used the most CPU themselves, so a slow path can be named without opening a profiler UI.
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/switchboard-*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const args = process.argv.slice(2)
const topAt = args.indexOf('--top')
const top = topAt === -1 ? 25 : Number(args[topAt + 1])
const files = args.filter((arg, i) => !arg.startsWith('--') && i !== topAt + 1)
const root = fileURLToPath(new URL('..', import.meta.url))

const where = (url: string) => {
  if (!url) return '(native)'
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  return path.startsWith('/') ? relative(root, path) : path
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byNode = new Map(profile.nodes.map(node => [node.id, node]))
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    const frame = byNode.get(id)!.callFrame
    // Waiting for I/O is not work; leaving it out makes the shares add up to the CPU used.
    if (frame.functionName === '(idle)') return
    const place = where(frame.url)
    const name = `${frame.functionName || '(anonymous)'}  ${place}${frame.url ? `:${frame.lineNumber + 1}` : ''}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    byFile.set(place, (byFile.get(place) ?? 0) + us)
    total += us
  })
  const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
  const line = ([name, us]: [string, number]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`
  console.log(`\n${file} — ${(total / 1000).toFixed(0)} ms sampled\nTop functions by self time:`)
  for (const entry of ranked(byFunction)) console.log(line(entry))
  console.log('Top files by self time:')
  for (const entry of ranked(byFile).slice(0, 12)) console.log(line(entry))
}
