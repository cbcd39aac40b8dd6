/**
 * libp2p peer ids (peer-ids.md §Peer Ids): the multihash of a key's `PublicKey`
 * protobuf — identity when the protobuf is at most 42 bytes (Ed25519,
 * secp256k1), sha2-256 otherwise (RSA, ECDSA) — shown as bare base58btc
 * (`12D3KooW…`, `Qm…`) or as a CIDv1 with the `libp2p-key` codec (`bafz…`).
 */

import { sha256 } from '@noble/hashes/sha2.js'
import type { PeerId as PeerIdContract } from '@switchyard/interface'
import { base32 } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { KeyOptions } from './crypto-backend.js'
import { Ed25519PublicKey } from './ed25519.js'
import { PeerIdError } from './errors.js'
import { assertBytes, copyBytes, type PublicKey } from './key.js'
import { publicKeyFromProtobuf } from './keys.js'

/** Multihash code of `identity` (multicodec table). */
export const IDENTITY_CODE = 0x00
/** Multihash code of `sha2-256`. */
export const SHA2_256_CODE = 0x12
/** Multicodec `libp2p-key`, the codec of a peer id CID (peer-ids.md §String representation). */
export const LIBP2P_KEY_CODE = 0x72
/** Encoded public keys up to this size are inlined with the identity multihash (peer-ids.md §Peer Ids). */
export const MAX_INLINE_KEY_BYTES = 42

const inspect = Symbol.for('nodejs.util.inspect.custom')

/**
 * A libp2p peer id. Implements `PeerId` of `@switchyard/interface`. Immutable;
 * construct with the `peerIdFrom*` functions.
 */
export class PeerId implements PeerIdContract {
  /** The multihash bytes. Borrowed: do not mutate. */
  readonly bytes: Uint8Array
  /**
   * The public key, when the id inlines it (identity multihash) or was made from
   * it; `undefined` for a sha2-256 id parsed from a string or bytes.
   */
  readonly publicKey: PublicKey | undefined
  #string: string | undefined

  /** @internal `bytes` is a validated canonical multihash, taken over. */
  constructor(bytes: Uint8Array, publicKey: PublicKey | undefined) {
    this.bytes = bytes
    this.publicKey = publicKey
  }

  /** The multihash code: {@link IDENTITY_CODE} or {@link SHA2_256_CODE}. */
  get hashCode(): number {
    return this.bytes[0] as number
  }

  /** The key type when known (always for identity ids). */
  get type(): PublicKey['type'] | undefined {
    return this.publicKey?.type
  }

  /** Bare base58btc multihash (`12D3KooW…`, `Qm…`); the form the spec says to display. Cached. */
  toString(): string {
    // multiformats prefixes the multibase code `z`; a bare peer id omits it.
    // The encoder builds the string by concatenation; V8 keeps that as a rope of
    // ~40 pieces (~1.3 KB per id). The id lives as long as its peer, so store it flat.
    this.#string ??= flatten(base58btc.baseEncode(this.bytes))
    return this.#string
  }

  /** The CIDv1 `libp2p-key` form. */
  toCID(): CID {
    return CID.createV1(LIBP2P_KEY_CODE, Digest.decode(this.bytes))
  }

  /** The CID form in base32 (`bafz…`), the spec's default multibase for CIDs. */
  toCIDString(): string {
    return this.toCID().toString(base32)
  }

  /** True when `other` has the same multihash bytes (any `PeerId` implementation). */
  equals(other: PeerIdContract | null | undefined): boolean {
    if (other === this) return true
    if (other == null || !(other.bytes instanceof Uint8Array)) return false
    return comparePeerIds(this, other) === 0
  }

  toJSON(): string {
    return this.toString()
  }

  [inspect](): string {
    return `PeerId(${this.toString()})`
  }
}

/**
 * Orders two peer ids byte-wise (lexicographically on their multihash bytes, a
 * proper prefix first) — the comparison libp2p uses to break simultaneous-open ties.
 */
export function comparePeerIds(a: PeerIdContract, b: PeerIdContract): -1 | 0 | 1 {
  const x = a.bytes
  const y = b.bytes
  const n = Math.min(x.byteLength, y.byteLength)
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return x.byteLength === y.byteLength ? 0 : x.byteLength < y.byteLength ? -1 : 1
}

/** The peer id of a public key (peer-ids.md §Peer Ids). */
export function peerIdFromPublicKey(key: PublicKey): PeerId {
  if (key == null || typeof key.toProtobuf !== 'function') throw new TypeError('key must be a PublicKey')
  // A remote Ed25519 key is built inside its identity multihash: share it (immutable).
  const inline = key instanceof Ed25519PublicKey ? key.identityMultihash() : undefined
  if (inline !== undefined) return new PeerId(inline, key)
  const encoded = key.toProtobuf()
  if (encoded.byteLength <= MAX_INLINE_KEY_BYTES) {
    const mh = new Uint8Array(2 + encoded.byteLength)
    mh[0] = IDENTITY_CODE
    mh[1] = encoded.byteLength
    mh.set(encoded, 2)
    return new PeerId(mh, key)
  }
  const mh = new Uint8Array(34)
  mh[0] = SHA2_256_CODE
  mh[1] = 32
  mh.set(sha256(encoded), 2)
  return new PeerId(mh, key)
}

/** The peer id of a private key's public key. */
export function peerIdFromPrivateKey(key: { publicKey: PublicKey }): PeerId {
  return peerIdFromPublicKey(key.publicKey)
}

function invalidMultihash(message: string, cause?: unknown): PeerIdError {
  return new PeerIdError('PEER_ID_INVALID_MULTIHASH', `peer id multihash: ${message}`, { cause })
}

/**
 * The peer id whose multihash bytes are `bytes` (copied). Accepts exactly the
 * canonical forms: identity (≤ 42 bytes, holding a valid `PublicKey` protobuf)
 * and sha2-256 (32-byte digest).
 */
export function peerIdFromBytes(bytes: Uint8Array, options: KeyOptions = {}): PeerId {
  assertBytes(bytes, 'bytes')
  if (bytes.byteLength < 2) throw invalidMultihash('truncated')
  const code = bytes[0] as number
  const len = bytes[1] as number
  // Both codes and both lengths (≤ 42, 32) are single-byte varints, so anything
  // with the continuation bit set is either another hash function or non-minimal.
  if (len >= 0x80) throw invalidMultihash('digest length out of range')
  if (bytes.byteLength !== 2 + len)
    throw invalidMultihash(`length ${bytes.byteLength} does not match its header`)
  if (code === IDENTITY_CODE) {
    if (len > MAX_INLINE_KEY_BYTES) throw invalidMultihash('identity multihash longer than 42 bytes')
    const own = copyBytes(bytes)
    let key: PublicKey
    try {
      key = publicKeyFromProtobuf(own.subarray(2), options)
    } catch (cause) {
      if (cause instanceof TypeError || cause instanceof RangeError) throw cause
      throw invalidMultihash('identity multihash does not hold a valid public key', cause)
    }
    return new PeerId(own, key)
  }
  if (code === SHA2_256_CODE) {
    if (len !== 32) throw invalidMultihash('sha2-256 digest must be 32 bytes')
    return new PeerId(copyBytes(bytes), undefined)
  }
  throw invalidMultihash(`unsupported multihash code 0x${code.toString(16)}`)
}

/** The peer id in a CID: it must be CIDv1 with the `libp2p-key` codec. */
export function peerIdFromCID(cid: CID, options: KeyOptions = {}): PeerId {
  const c = CID.asCID(cid)
  if (c == null) throw new TypeError('cid must be a CID')
  if (c.version !== 1 || c.code !== LIBP2P_KEY_CODE) {
    throw new PeerIdError('PEER_ID_INVALID_CID', 'a peer id CID must be CIDv1 with the libp2p-key codec')
  }
  return peerIdFromBytes(c.multihash.bytes, options)
}

/**
 * Parses a peer id string (peer-ids.md §Decoding): `1…` or `Qm…` is a bare
 * base58btc multihash; otherwise a multibase CIDv1 (`b…` base32, `k…` base36,
 * `z…` base58btc) with the `libp2p-key` codec.
 */
export function peerIdFromString(str: string, options: KeyOptions = {}): PeerId {
  if (typeof str !== 'string') throw new TypeError('peer id must be a string')
  // The longest valid id (identity, 44 bytes) is 61 base58 characters or ~80 as a CID.
  if (str.length === 0 || str.length > 128) {
    throw new PeerIdError('PEER_ID_INVALID_STRING', `not a peer id: bad length ${str.length}`)
  }
  if (str.startsWith('1') || str.startsWith('Qm')) {
    let bytes: Uint8Array
    try {
      bytes = base58btc.baseDecode(str)
    } catch (cause) {
      throw new PeerIdError('PEER_ID_INVALID_STRING', 'not a peer id: invalid base58btc', { cause })
    }
    return peerIdFromBytes(bytes, options)
  }
  let cid: CID
  try {
    cid = CID.parse(str)
  } catch (cause) {
    throw new PeerIdError('PEER_ID_INVALID_STRING', 'not a peer id: neither base58btc nor a CID', { cause })
  }
  return peerIdFromCID(cid, options)
}

/**
 * The public key inlined in an identity-multihash peer id, or `undefined` for a
 * sha2-256 id that was not made from its key (the key must then come from elsewhere,
 * e.g. the security handshake).
 */
export function publicKeyFromPeerId(peerId: PeerIdContract): PublicKey | undefined {
  if (peerId instanceof PeerId) return peerId.publicKey
  if (peerId == null || !(peerId.bytes instanceof Uint8Array)) throw new TypeError('peerId must be a PeerId')
  return peerIdFromBytes(peerId.bytes).publicKey
}

/** True when `value` is a {@link PeerId} of this package. */
export function isPeerId(value: unknown): value is PeerId {
  return value instanceof PeerId
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()

/** A flat copy of `s` (decoding bytes makes a sequential string, never a rope). */
function flatten(s: string): string {
  return utf8Decoder.decode(utf8Encoder.encode(s))
}
