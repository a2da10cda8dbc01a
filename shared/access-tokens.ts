/**
 * The rules for the relay's two tokens, checked the same way by the headless relay's options and
 * the desktop app's settings. The access token travels as a URL path segment, which the published
 * Client does not encode, so it is limited to characters a URL carries as they are.
 */
export const MIN_TOKEN_LENGTH = 12
export const MAX_TOKEN_LENGTH = 1024
export const ACCESS_TOKEN_CHARACTERS = /^[A-Za-z0-9._~-]*$/

export type TokenKind = 'access token' | 'admin token'

/** Why a token cannot be used, in words for the user; undefined when it can. */
export function tokenProblem(kind: TokenKind, token: string): string | undefined {
  // Anyone on the LAN may try to guess a token: it has to be long enough not to be guessed.
  if (token.length < MIN_TOKEN_LENGTH) return `the ${kind} must be at least ${MIN_TOKEN_LENGTH} characters long`
  if (token.length > MAX_TOKEN_LENGTH) return `the ${kind} is at most ${MAX_TOKEN_LENGTH} characters long`
  if (kind === 'access token' && !ACCESS_TOKEN_CHARACTERS.test(token)) return 'the access token may hold only letters, digits and . _ ~ -'
  return undefined
}
