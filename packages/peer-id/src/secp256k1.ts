/**
 * secp256k1 public keys, verify-only (peer-ids.md §Secp256k1): the key is a SEC1
 * point (we accept compressed or uncompressed and keep the 33-byte compressed form,
 * as go-libp2p and js-libp2p do, so the peer id matches theirs); a signature is
 * DER-encoded ECDSA over SHA-256(data) (BIP 62 DER). Always `@noble/curves`.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { KeyError } from './errors.js'
import { assertBytes, bytesEqual, type PublicKey } from './key.js'
import { encodeKeyMessage } from './key-protobuf.js'

/** A secp256k1 public key of a remote peer. Construct with {@link secp256k1PublicKeyFromRaw}. */
export class Secp256k1PublicKey implements PublicKey {
  readonly type = 'secp256k1' as const
  readonly raw: Uint8Array
  readonly backend = 'noble' as const
  #protobuf: Uint8Array | undefined

  /** @internal `raw` is a validated compressed point, taken over. */
  constructor(raw: Uint8Array) {
    this.raw = raw
  }

  toProtobuf(): Uint8Array {
    this.#protobuf ??= encodeKeyMessage('secp256k1', this.raw)
    return this.#protobuf
  }

  verify(data: Uint8Array, sig: Uint8Array): boolean {
    assertBytes(data, 'data')
    assertBytes(sig, 'sig')
    try {
      // Same rule as js-libp2p: lowS is noble's secp256k1 default (btcec/go also signs low-S).
      return secp256k1.verify(sig, sha256(data), this.raw, { prehash: false, format: 'der' })
    } catch {
      return false
    }
  }

  equals(other: PublicKey): boolean {
    return other?.type === 'secp256k1' && bytesEqual(this.raw, other.raw)
  }
}

/** Reads a SEC1 secp256k1 point (33 or 65 bytes) and validates it is on the curve. */
export function secp256k1PublicKeyFromRaw(raw: Uint8Array): Secp256k1PublicKey {
  assertBytes(raw, 'raw')
  if (raw.byteLength !== 33 && raw.byteLength !== 65) {
    throw new KeyError('KEY_INVALID', `secp256k1 public key must be 33 or 65 bytes, got ${raw.byteLength}`)
  }
  try {
    return new Secp256k1PublicKey(secp256k1.Point.fromBytes(raw).toBytes(true))
  } catch (cause) {
    throw new KeyError('KEY_INVALID', 'secp256k1 public key is not a point on the curve', { cause })
  }
}
