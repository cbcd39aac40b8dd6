/**
 * The `PeerId` a store rebuilds from the database when no `peerIdFromString` is
 * given: the stored multihash bytes and base58btc string, nothing parsed. It
 * satisfies the `PeerId` interface of @switchyard/interface, which is all the
 * switch needs to dial; pass `peerIdFromString` for full ids (public key access).
 */
import type { PeerId } from '@switchyard/interface'

/** A minimal `PeerId` over stored bytes and string. */
export class StoredPeerId implements PeerId {
  constructor(
    readonly bytes: Uint8Array,
    private readonly str: string,
  ) {}

  toString(): string {
    return this.str
  }

  equals(other: PeerId): boolean {
    const b = other.bytes
    if (b.byteLength !== this.bytes.byteLength) return false
    for (let i = 0; i < b.byteLength; i++) if (b[i] !== this.bytes[i]) return false
    return true
  }
}
