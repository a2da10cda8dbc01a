import { describe, expect, it } from 'vitest'
import { parseRelayArgs } from '../../src-main/cli/options.js'

describe('--admin-token', () => {
  it('is off unless given, by flag or by SWITCHBOARD_ADMIN_TOKEN (an empty variable counts as unset)', () => {
    expect(parseRelayArgs([], {}).adminToken).toBeUndefined()
    expect(parseRelayArgs([], { SWITCHBOARD_ADMIN_TOKEN: '' }).adminToken).toBeUndefined()
    expect(parseRelayArgs([], { SWITCHBOARD_ADMIN_TOKEN: 'from-the-environment' }).adminToken).toBe('from-the-environment')
    expect(parseRelayArgs(['--admin-token', 'from-the-command-line'], { SWITCHBOARD_ADMIN_TOKEN: 'from-the-environment' }).adminToken).toBe('from-the-command-line')
  })

  it('refuses a token short enough to guess', () => {
    expect(() => parseRelayArgs(['--admin-token', 'short'], {})).toThrow('the admin token must be at least 12 characters long')
  })
})
