/** The outcome of checking untrusted input: the value, or why it was refused (in words for the user). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

export const accept = <T>(value: T): Parsed<T> => ({ ok: true, value })
export const refuse = (message: string): Parsed<never> => ({ ok: false, message })

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)
