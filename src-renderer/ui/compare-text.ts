/**
 * One shared collator: `localeCompare` builds its comparison rules on every call, which is what
 * made sorting 5,000 peers by id slow. Numeric, so `peer-9` sorts before `peer-10`, and 10.0.0.9
 * before 10.0.0.10.
 */
export const compareText = new Intl.Collator('en', { numeric: true }).compare
