/**
 * The `PeerId` a store rebuilds from the database when no `peerIdFromString` is
 * given: the stored multihash bytes and base58btc string, nothing parsed. It
 * satisfies the `PeerId` interface of @switchyard/interface, which is all the
 * switch needs to dial; pass `peerIdFromString` for full ids (public key access).
 */
import type { PeerId } from '@switchyard/interface'

/** A minimal `PeerId` over stored bytes and string. */
export class StoredPeerId implements PeerId {
  #bytes: Uint8Array | undefined
  #hex: string | undefined
  readonly #str: string

  constructor(bytes: Uint8Array, str: string) {
    this.#bytes = bytes
    this.#str = str
  }

  /** An id whose bytes are decoded from `hex` on first use (loading makes no byte array per peer). */
  static fromHex(hex: string, str: string): StoredPeerId {
    const id = new StoredPeerId(EMPTY, str)
    id.#bytes = undefined
    id.#hex = hex
    return id
  }

  /** The multihash bytes (do not modify). */
  get bytes(): Uint8Array {
    if (this.#bytes === undefined) this.#bytes = Uint8Array.from(Buffer.from(this.#hex ?? '', 'hex'))
    return this.#bytes
  }

  toString(): string {
    return this.#str
  }

  equals(other: PeerId): boolean {
    const a = this.bytes
    const b = other.bytes
    if (b.byteLength !== a.byteLength) return false
    for (let i = 0; i < b.byteLength; i++) if (b[i] !== a[i]) return false
    return true
  }
}

const EMPTY = new Uint8Array(0)
