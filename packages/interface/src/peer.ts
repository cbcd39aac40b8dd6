/**
 * The view of a peer id that other packages need. `@switchyard/peer-id` implements
 * it; any object with these members works (a test double, another library's id).
 */
export interface PeerId {
  /** The multihash bytes of the peer id (identity or sha2-256 over the encoded public key). */
  readonly bytes: Uint8Array
  /** The base58btc string form (`12D3KooW…` / `Qm…`). */
  toString(): string
  /** True when both ids have the same bytes. */
  equals(other: PeerId): boolean
}

/** Which side opened a connection or stream. */
export type Direction = 'inbound' | 'outbound'
