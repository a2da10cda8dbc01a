/**
 * Summarises V8 CPU profiles (from `npm run bench -- --cpu-prof`): the functions and files that
 * used the most CPU themselves, so a slow path can be named without opening a profiler UI.
 *
 *   npx tsx bench/profile-summary.ts bench/results/profiles/switchboard/*.cpuprofile [--top 25] [--busiest 3] [--after 5]
 *
 * `--busiest S` keeps only the S seconds with the most CPU in them: a server's profile spans its whole
 * life, and start-up (module compilation) and teardown (errors for writes to closed sockets) would
 * otherwise outweigh the measured window's hot path. `--after S` leaves out the first S seconds.
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
const valueOf = (flag: string) => {
  const at = args.indexOf(flag)
  return at === -1 ? undefined : Number(args[at + 1])
}
const top = valueOf('--top') ?? 25
const busiestSeconds = valueOf('--busiest')
const afterUs = (valueOf('--after') ?? 0) * 1e6
const files = args.filter((arg, i) => !arg.startsWith('--') && !['--top', '--busiest', '--after'].includes(args[i - 1] ?? ''))
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
  const at = sampleTimes(profile)
  const isIdle = (i: number) => at[i]! < afterUs || byNode.get(profile.samples[i]!)!.callFrame.functionName === '(idle)'
  const [from, to] = busiestSeconds === undefined ? [afterUs, Infinity] : busiestWindow(profile, at, isIdle, busiestSeconds * 1e6)
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    const frame = byNode.get(id)!.callFrame
    // Waiting for I/O is not work; leaving it out makes the shares add up to the CPU used.
    if (frame.functionName === '(idle)' || at[i]! < from || at[i]! >= to) return
    const place = where(frame.url)
    const name = `${frame.functionName || '(anonymous)'}  ${place}${frame.url ? `:${frame.lineNumber + 1}` : ''}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    byFile.set(place, (byFile.get(place) ?? 0) + us)
    total += us
  })
  const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
  const line = ([name, us]: [string, number]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`
  const span = busiestSeconds === undefined ? '' : ` in the busiest ${busiestSeconds} s (from ${(from / 1e6).toFixed(1)} s)`
  console.log(`\n${file} — ${(total / 1000).toFixed(0)} ms sampled${span}\nTop functions by self time:`)
  for (const entry of ranked(byFunction)) console.log(line(entry))
  console.log('Top files by self time:')
  for (const entry of ranked(byFile).slice(0, 12)) console.log(line(entry))
}

/** Each sample's time in µs from the profile's start. */
function sampleTimes(profile: Profile): number[] {
  let t = 0
  return profile.timeDeltas.map(delta => (t += delta))
}

/** The [from, to) stretch of `length` µs holding the most non-idle sample time (two pointers over the samples). */
function busiestWindow(profile: Profile, at: number[], isIdle: (i: number) => boolean, length: number): [number, number] {
  let best = 0
  let bestFrom = 0
  let busy = 0
  let first = 0
  for (let last = 0; last < at.length; last++) {
    if (!isIdle(last)) busy += profile.timeDeltas[last] ?? 0
    while (at[last]! - at[first]! >= length) {
      if (!isIdle(first)) busy -= profile.timeDeltas[first] ?? 0
      first++
    }
    if (busy > best) {
      best = busy
      bestFrom = at[first]!
    }
  }
  return [bestFrom, bestFrom + length]
}
