import type { CryptoBackend } from './crypto-backend.js'
import type { KeyType } from './key-protobuf.js'

/**
 * A public key of any of the four libp2p key types. Ed25519 keys can be ours or a
 * peer's; the other types are only ever a remote peer's (verify-only).
 */
export interface PublicKey {
  readonly type: KeyType
  /** The protobuf `Data` bytes (peer-ids.md §Key Types). Borrowed: do not mutate. */
  readonly raw: Uint8Array
  /** The implementation that verifies with this key. */
  readonly backend: CryptoBackend
  /** The libp2p `PublicKey` protobuf (deterministic encoding). Cached and borrowed: do not mutate. */
  toProtobuf(): Uint8Array
  /**
   * Verifies `sig` over `data` with this key's libp2p signing rule (peer-ids.md §Key Types).
   * A malformed signature is `false`, never a throw.
   */
  verify(data: Uint8Array, sig: Uint8Array): boolean
  /** True when `other` is a key of the same type with the same `raw` bytes. */
  equals(other: PublicKey): boolean
}

/** An Ed25519 private key: the only key type Switchyard generates and signs with. */
export interface PrivateKey {
  readonly type: 'Ed25519'
  /** `seed ‖ public key`, 64 bytes (peer-ids.md §Ed25519, preferred form). Borrowed: do not mutate. */
  readonly raw: Uint8Array
  readonly publicKey: PublicKey
  /** The implementation that signs with this key. */
  readonly backend: CryptoBackend
  /** Signs `data` (RFC 8032 §5.1.6); returns a fresh 64-byte signature. */
  sign(data: Uint8Array): Uint8Array
  /** The libp2p `PrivateKey` protobuf; freshly allocated (it holds the secret). */
  toProtobuf(): Uint8Array
  /** True when `other` holds the same key bytes. */
  equals(other: PrivateKey): boolean
}

/** Constant-time-ish equality of two byte arrays (length leaks, contents do not). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** Copies a view into a fresh, exactly sized Uint8Array (never a pooled Buffer). */
export function copyBytes(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.byteLength)
  out.set(src)
  return out
}

export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`)
}
