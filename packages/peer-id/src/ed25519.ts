/**
 * Ed25519 keys (peer-ids.md §Ed25519; RFC 8032 §5.1). Two implementations with
 * one behaviour: `node:crypto` KeyObjects (imported once per key and cached on
 * it) and `@noble/curves`. Noble verifies with `zip215: false`, i.e. the strict
 * RFC 8032 rules OpenSSL also applies, so both backends accept the same signatures.
 */
import type { KeyObject } from 'node:crypto'
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js'
import { b64url, type CryptoBackend, nodeCrypto } from './crypto-backend.js'
import { KeyError } from './errors.js'
import { assertBytes, bytesEqual, copyBytes, type PrivateKey, type PublicKey } from './key.js'
import { encodeKeyMessage } from './key-protobuf.js'

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SEED_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64

function requireNode(): NonNullable<typeof nodeCrypto> {
  if (nodeCrypto === undefined) throw new RangeError('crypto backend "node" is not available in this runtime')
  return nodeCrypto
}

function fromB64url(s: string | undefined): Uint8Array {
  const buf = Buffer.from(s ?? '', 'base64url')
  return copyBytes(buf)
}

/** An OKP JWK KeyObject (RFC 8037 §2). */
function nodeKeyObject(seed: Uint8Array | undefined, pub: Uint8Array): KeyObject {
  const node = requireNode()
  return seed === undefined
    ? node.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) }, format: 'jwk' })
    : node.createPrivateKey({
        key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(pub) },
        format: 'jwk',
      })
}

/**
 * The private KeyObject of a seed and its public key (RFC 8032 §5.1.5), through a
 * JWK import: Node reads only `d` of a private OKP key and OpenSSL derives the
 * public key, which the private JWK export then carries in `x`.
 */
function nodeKeyFromSeed(seed: Uint8Array): [KeyObject, Uint8Array] {
  const priv = requireNode().createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: '' },
    format: 'jwk',
  })
  return [priv, fromB64url(priv.export({ format: 'jwk' }).x)]
}

/** Derives the public key of a 32-byte seed (RFC 8032 §5.1.5). */
function derivePublicKey(seed: Uint8Array, backend: CryptoBackend): Uint8Array {
  if (backend === 'noble') return ed25519.getPublicKey(seed)
  return nodeKeyFromSeed(seed)[1]
}

// The y coordinates (sign bit cleared) of the eight small-order points
// (noble's ED25519_TORSION_SUBGROUP): 1, p − 1, 0 and the two order-8 values.
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  ...new Set(
    ED25519_TORSION_SUBGROUP.map(
      (h) => h.slice(0, 62) + (Number.parseInt(h.slice(62), 16) & 0x7f).toString(16).padStart(2, '0'),
    ),
  ),
].map((h) => Uint8Array.from(h.match(/../g) as string[], (b) => Number.parseInt(b, 16)))

/** True when `raw` with its sign bit cleared equals `y`. */
function sameY(raw: Uint8Array, y: Uint8Array): boolean {
  if (((raw[31] as number) & 0x7f) !== y[31]) return false
  for (let i = 0; i < 31; i++) if (raw[i] !== y[i]) return false
  return true
}

/**
 * True unless `raw` encodes a small-order point or a non-canonical y (≥ p) — the
 * public keys that noble with `zip215: false` (strict RFC 8032 §5.1.3) rejects and
 * OpenSSL accepts. Byte comparisons, not a point decompression: this runs per remote key.
 */
function isStrictPublicKey(raw: Uint8Array): boolean {
  const top = (raw[31] as number) & 0x7f
  // y ≥ p = 2^255 − 19: bytes 1..30 all 0xff, top 0x7f, byte 0 ≥ 0xed (little-endian).
  let allFF = top === 0x7f && (raw[0] as number) >= 0xed
  for (let i = 1; allFF && i < 31; i++) allFF = raw[i] === 0xff
  if (allFF) return false
  for (const y of SMALL_ORDER_Y) if (sameY(raw, y)) return false
  return true
}

/** Bytes of the `PublicKey` protobuf of an Ed25519 key: 4 bytes of header, then the key. */
const ED25519_PROTOBUF_BYTES = 4 + ED25519_PUBLIC_KEY_BYTES
/** Offset of the raw key in its identity multihash (`0x00 ‖ len ‖ protobuf header ‖ key`). */
const RAW_OFFSET = 2 + 4

/** An Ed25519 public key. Construct with {@link ed25519PublicKeyFromRaw}. */
export class Ed25519PublicKey implements PublicKey {
  readonly backend: CryptoBackend
  /** The raw key when it has no identity multihash; else `raw` is a view made on access. */
  readonly #raw: Uint8Array | undefined
  /**
   * A remote key's identity multihash (peer-ids.md §Peer Ids), which holds its
   * protobuf and its raw bytes: `raw`, `toProtobuf()` and the peer id's `bytes` are
   * views of this one buffer (a remote key lives as long as its connection: one
   * small buffer instead of three). `undefined` for the public half of a private key.
   */
  readonly #mh: Uint8Array | undefined
  #protobuf: Uint8Array | undefined
  #strict: boolean | undefined

  /**
   * @internal `raw` is taken over; it must be 32 bytes. With `mh`, `raw` must be
   * `mh.subarray(6)` and `mh` the key's identity multihash.
   */
  constructor(raw: Uint8Array, backend: CryptoBackend, mh?: Uint8Array) {
    // Idle memory: a remote key keeps only its multihash; a view of the raw key in it
    // (~100 bytes) is made when asked for, which after the handshake is rare.
    this.#raw = mh === undefined ? raw : undefined
    this.backend = backend
    this.#mh = mh
  }

  /** The key type (on the prototype: no field per key). */
  get type(): 'Ed25519' {
    return 'Ed25519'
  }

  /** The 32-byte key (do not modify): for a key inside an identity multihash, a view of it. */
  get raw(): Uint8Array {
    return this.#raw ?? this.#mh!.subarray(RAW_OFFSET)
  }

  toProtobuf(): Uint8Array {
    this.#protobuf ??= this.#mh?.subarray(2) ?? encodeKeyMessage('Ed25519', this.raw)
    return this.#protobuf
  }

  /** @internal The identity multihash holding this key, when it was built in one (borrowed). */
  identityMultihash(): Uint8Array | undefined {
    return this.#mh
  }

  verify(data: Uint8Array, sig: Uint8Array): boolean {
    assertBytes(data, 'data')
    assertBytes(sig, 'sig')
    if (sig.byteLength !== ED25519_SIGNATURE_BYTES) return false
    try {
      if (this.backend === 'noble') return ed25519.verify(sig, data, this.raw, { zip215: false })
      // OpenSSL accepts small-order and non-canonical public keys (a small-order key
      // "verifies" forged signatures); strict RFC 8032 and noble reject them. Check once.
      const raw = this.raw
      this.#strict ??= isStrictPublicKey(raw)
      if (!this.#strict) return false
      // The KeyObject is made per call, not cached on the key: a remote key is
      // verified about once (the handshake) but lives as long as its connection,
      // and a cached KeyObject holds ~0.8 KB of native memory; the JWK import costs
      // ~7 µs next to the verification itself (~250 µs).
      return requireNode().verify(null, data, nodeKeyObject(undefined, raw), sig)
    } catch {
      // A key that is not a curve point, or any other rejection, verifies nothing.
      return false
    }
  }

  equals(other: PublicKey): boolean {
    return other?.type === 'Ed25519' && bytesEqual(this.raw, other.raw)
  }
}

/** An Ed25519 private key. Construct with {@link generateEd25519Key} or {@link ed25519PrivateKeyFromRaw}. */
export class Ed25519PrivateKey implements PrivateKey {
  readonly type = 'Ed25519' as const
  readonly raw: Uint8Array
  readonly publicKey: Ed25519PublicKey
  readonly backend: CryptoBackend
  readonly #seed: Uint8Array
  #keyObject: KeyObject | undefined

  /** @internal `seed` and `publicKey` are taken over and must match. */
  constructor(seed: Uint8Array, publicKey: Uint8Array, backend: CryptoBackend, keyObject?: KeyObject) {
    this.raw = new Uint8Array(64)
    this.raw.set(seed)
    this.raw.set(publicKey, 32)
    this.#seed = this.raw.subarray(0, 32)
    this.publicKey = new Ed25519PublicKey(this.raw.subarray(32), backend)
    this.backend = backend
    this.#keyObject = keyObject
  }

  sign(data: Uint8Array): Uint8Array {
    assertBytes(data, 'data')
    if (this.backend === 'noble') return ed25519.sign(data, this.#seed)
    this.#keyObject ??= nodeKeyObject(this.#seed, this.publicKey.raw)
    const sig = requireNode().sign(null, data, this.#keyObject)
    return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength)
  }

  toProtobuf(): Uint8Array {
    return encodeKeyMessage('Ed25519', this.raw)
  }

  equals(other: PrivateKey): boolean {
    return other?.type === 'Ed25519' && bytesEqual(this.raw, other.raw)
  }
}

/** Generates a new Ed25519 key from the backend's CSPRNG. */
export function generateEd25519Key(backend: CryptoBackend): Ed25519PrivateKey {
  if (backend === 'noble') return ed25519KeyFromSeed(ed25519.utils.randomSecretKey(), backend)
  // A seed from the CSPRNG, imported (RFC 8032 §5.1.5: the seed is 32 random
  // bytes). Not generateKeyPairSync: on Node 20.20 (OpenSSL 3.0) exporting a key it
  // made can deadlock the process — the export holds the key's mutex while
  // allocating, and a GC it triggers runs the finished key-generation job's
  // destructor, which takes the same mutex (a loop of generate + sign hung within
  // ~60 000 keys).
  const random = requireNode().randomBytes(ED25519_SEED_BYTES)
  const seed = copyBytes(random)
  random.fill(0)
  const [priv, pub] = nodeKeyFromSeed(seed)
  return new Ed25519PrivateKey(seed, pub, backend, priv)
}

/** Derives the key of a 32-byte seed (RFC 8032 §5.1.5); the seed is copied. */
export function ed25519KeyFromSeed(seed: Uint8Array, backend: CryptoBackend): Ed25519PrivateKey {
  assertBytes(seed, 'seed')
  if (seed.byteLength !== ED25519_SEED_BYTES) throw new RangeError('an Ed25519 seed is 32 bytes')
  const own = copyBytes(seed)
  return new Ed25519PrivateKey(own, derivePublicKey(own, backend), backend)
}

/**
 * Reads an Ed25519 private key in the encodings of peer-ids.md §Ed25519:
 * `seed ‖ pub` (64 bytes, preferred), `seed ‖ pub ‖ pub` (96 bytes, legacy; the
 * two copies must match), or a bare 32-byte seed. The public half must be the
 * one the seed derives (the spec's SHOULD). Bytes are copied.
 */
export function ed25519PrivateKeyFromRaw(raw: Uint8Array, backend: CryptoBackend): Ed25519PrivateKey {
  assertBytes(raw, 'raw')
  if (raw.byteLength === ED25519_SEED_BYTES) return ed25519KeyFromSeed(raw, backend)
  if (raw.byteLength !== 64 && raw.byteLength !== 96) {
    throw new KeyError('KEY_INVALID', `Ed25519 private key must be 32, 64 or 96 bytes, got ${raw.byteLength}`)
  }
  if (raw.byteLength === 96 && !bytesEqual(raw.subarray(32, 64), raw.subarray(64, 96))) {
    throw new KeyError('KEY_INVALID', 'Ed25519 legacy 96-byte private key: the two public keys differ')
  }
  const key = ed25519KeyFromSeed(raw.subarray(0, 32), backend)
  if (!bytesEqual(key.publicKey.raw, raw.subarray(32, 64))) {
    throw new KeyError('KEY_INVALID', 'Ed25519 private key: public key does not match the seed')
  }
  return key
}

/** Reads a 32-byte Ed25519 public key; bytes are copied. Any 32 bytes are accepted; bad points fail `verify`. */
export function ed25519PublicKeyFromRaw(raw: Uint8Array, backend: CryptoBackend): Ed25519PublicKey {
  assertBytes(raw, 'raw')
  if (raw.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
    throw new KeyError('KEY_INVALID', `Ed25519 public key must be 32 bytes, got ${raw.byteLength}`)
  }
  // Built inside its identity multihash (see Ed25519PublicKey.#mh): 0x00 (identity)
  // ‖ 36 ‖ PublicKey protobuf (4-byte header ‖ key).
  const mh = new Uint8Array(2 + ED25519_PROTOBUF_BYTES)
  mh[1] = ED25519_PROTOBUF_BYTES
  mh.set(encodeKeyMessage('Ed25519', raw), 2)
  return new Ed25519PublicKey(mh.subarray(RAW_OFFSET), backend, mh)
}
