/**
 * ECDSA public keys, verify-only (peer-ids.md §ECDSA): the key is a DER
 * SubjectPublicKeyInfo (RFC 5480) on P-256, P-384 or P-521 with an uncompressed
 * point (as go-libp2p's x509 parser requires); a signature is DER-encoded ECDSA
 * over SHA-256(data) for every curve (go-libp2p hashes with SHA-256 regardless of curve).
 *
 * js-libp2p (@libp2p/crypto 5) deviates: it encodes the public key as a
 * non-SPKI `SEQUENCE { 1, [0] curve, [1] point }`, signs in IEEE P1363 (r‖s)
 * form and cannot parse SPKI keys; we follow the spec and go-libp2p.
 */
import type { KeyObject } from 'node:crypto'
import { p256, p384, p521 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { b64url, type CryptoBackend, nodeCrypto } from './crypto-backend.js'
import { oidHex, readSpki } from './der.js'
import { KeyError } from './errors.js'
import { assertBytes, bytesEqual, copyBytes, type PublicKey } from './key.js'
import { encodeKeyMessage } from './key-protobuf.js'

/** The named curves libp2p ECDSA keys may use. */
export type EcdsaCurve = 'P-256' | 'P-384' | 'P-521'

const OID_EC_PUBLIC_KEY = '2a8648ce3d0201' // 1.2.840.10045.2.1 (RFC 5480 §2.1.1)
const CURVES: Record<string, { name: EcdsaCurve; noble: typeof p256; pointBytes: number }> = {
  '2a8648ce3d030107': { name: 'P-256', noble: p256, pointBytes: 65 }, // 1.2.840.10045.3.1.7
  '2b81040022': { name: 'P-384', noble: p384, pointBytes: 97 }, // 1.3.132.0.34
  '2b81040023': { name: 'P-521', noble: p521, pointBytes: 133 }, // 1.3.132.0.35
}

/** An ECDSA public key of a remote peer. Construct with {@link ecdsaPublicKeyFromRaw}. */
export class EcdsaPublicKey implements PublicKey {
  readonly type = 'ECDSA' as const
  readonly raw: Uint8Array
  readonly backend: CryptoBackend
  readonly curve: EcdsaCurve
  readonly #point: Uint8Array
  readonly #noble: typeof p256
  #protobuf: Uint8Array | undefined
  #keyObject: KeyObject | undefined

  /** @internal */
  constructor(
    raw: Uint8Array,
    curve: EcdsaCurve,
    point: Uint8Array,
    noble: typeof p256,
    backend: CryptoBackend,
  ) {
    this.raw = raw
    this.curve = curve
    this.#point = point
    this.#noble = noble
    this.backend = backend
  }

  toProtobuf(): Uint8Array {
    this.#protobuf ??= encodeKeyMessage('ECDSA', this.raw)
    return this.#protobuf
  }

  verify(data: Uint8Array, sig: Uint8Array): boolean {
    assertBytes(data, 'data')
    assertBytes(sig, 'sig')
    try {
      if (this.backend === 'noble') {
        // OpenSSL and Go accept high-S signatures on the NIST curves; so do we.
        return this.#noble.verify(sig, sha256(data), this.#point, {
          prehash: false,
          format: 'der',
          lowS: false,
        })
      }
      const node = nodeCrypto as NonNullable<typeof nodeCrypto>
      const half = (this.#point.byteLength - 1) / 2
      this.#keyObject ??= node.createPublicKey({
        key: {
          kty: 'EC',
          crv: this.curve,
          x: b64url(this.#point.subarray(1, 1 + half)),
          y: b64url(this.#point.subarray(1 + half)),
        },
        format: 'jwk',
      })
      return node.verify('sha256', data, { key: this.#keyObject, dsaEncoding: 'der' }, sig)
    } catch {
      return false
    }
  }

  equals(other: PublicKey): boolean {
    return other?.type === 'ECDSA' && bytesEqual(this.raw, other.raw)
  }
}

/** Reads a DER SubjectPublicKeyInfo ECDSA key; bytes are copied. */
export function ecdsaPublicKeyFromRaw(raw: Uint8Array, backend: CryptoBackend): EcdsaPublicKey {
  assertBytes(raw, 'raw')
  const own = copyBytes(raw)
  const { algorithm, key } = readSpki(own)
  if (algorithm.length !== 2 || oidHex(algorithm[0]) !== OID_EC_PUBLIC_KEY) {
    throw new KeyError('KEY_INVALID', 'ECDSA public key: algorithm is not id-ecPublicKey with a named curve')
  }
  const curve = CURVES[oidHex(algorithm[1]) ?? '']
  if (curve === undefined) throw new KeyError('KEY_UNSUPPORTED', 'ECDSA public key: unsupported curve')
  if (key.byteLength !== curve.pointBytes || key[0] !== 0x04) {
    throw new KeyError('KEY_INVALID', `ECDSA public key: expected an uncompressed ${curve.name} point`)
  }
  try {
    curve.noble.Point.fromBytes(key).assertValidity()
  } catch (cause) {
    throw new KeyError('KEY_INVALID', 'ECDSA public key is not a point on the curve', { cause })
  }
  return new EcdsaPublicKey(own, curve.name, key, curve.noble, backend)
}
