/** Display formats. Numbers use tabular figures in CSS, so columns do not shift as they change. */

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`
}

export const formatRate = (bytesPerSecond: number) => `${formatBytes(bytesPerSecond)}/s`

const counts = new Intl.NumberFormat('en')
export const formatCount = (n: number) => counts.format(n)

/** "4 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return `${hours} h ${minutes % 60} min`
  return `${Math.floor(hours / 24)} d ${hours % 24} h`
}

const clockTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' })
export const formatClock = (at: number) => clockTime.format(at)

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })
export const formatDateTime = (at: number) => dateTime.format(at)

export const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`

/** "12 peers", or "3 of 12 peers" while a filter hides some. */
export const shownOf = (shown: number, total: number, noun: string) =>
  shown === total ? plural(total, noun) : `${formatCount(shown)} of ${plural(total, noun)}`
