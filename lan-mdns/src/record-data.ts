/** Reading what mDNS records carry, as DNS and DNS-SD define it. */

/** DNS names compare case-insensitively. */
export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

/** TXT strings `key=value`; keys are case-insensitive (RFC 6763 §6.4), the first of a key wins. */
export function decodeTxt(data: unknown): Record<string, string> {
  const entries: Record<string, string> = {}
  for (const part of Array.isArray(data) ? data : []) {
    const text = Buffer.from(part as Uint8Array).toString('utf8')
    const equals = text.indexOf('=')
    if (equals <= 0) continue
    const key = text.slice(0, equals).toLowerCase()
    if (!Object.hasOwn(entries, key)) entries[key] = text.slice(equals + 1)
  }
  return entries
}
