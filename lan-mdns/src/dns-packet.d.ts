/** The two parts of dns-packet (the encoder multicast-dns uses) that record-order.ts needs. */
declare module 'dns-packet' {
  /** The rdata codec of a record type; `encode` writes the two-byte rdata length first. */
  export function record(type: string): { encode(data: unknown): Buffer }
}
declare module 'dns-packet/types.js' {
  /** The numeric RR type of a type name (0 when unknown). */
  export function toType(name: string): number
}
