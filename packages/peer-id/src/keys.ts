/**
 * Key factories: generate, and read from the libp2p protobuf or raw encodings
 * (peer-ids.md §Keys). Ed25519 is the only type with private keys; the other
 * three are verify-only public keys of remote peers.
 */
import { type KeyOptions, resolveBackend } from './crypto-backend.js'
import { ecdsaPublicKeyFromRaw } from './ecdsa.js'
import {
  type Ed25519PrivateKey,
  ed25519KeyFromSeed,
  ed25519PrivateKeyFromRaw,
  ed25519PublicKeyFromRaw,
  generateEd25519Key,
} from './ed25519.js'
import { KeyError } from './errors.js'
import { assertBytes, type PrivateKey, type PublicKey } from './key.js'
import { decodeKeyMessage, type KeyType } from './key-protobuf.js'
import { rsaPublicKeyFromRaw } from './rsa.js'
import { secp256k1PublicKeyFromRaw } from './secp256k1.js'

/** Generates a new Ed25519 identity key. Only `'Ed25519'` is supported. */
export function generateKeyPair(type: 'Ed25519' = 'Ed25519', options: KeyOptions = {}): Ed25519PrivateKey {
  if (type !== 'Ed25519') throw new RangeError(`cannot generate ${String(type)} keys; only Ed25519`)
  return generateEd25519Key(resolveBackend(options.backend))
}

/** Derives the Ed25519 key of a 32-byte seed (RFC 8032 §5.1.5); useful for fixed test identities. */
export function generateKeyPairFromSeed(seed: Uint8Array, options: KeyOptions = {}): Ed25519PrivateKey {
  return ed25519KeyFromSeed(seed, resolveBackend(options.backend))
}

/**
 * Reads a libp2p `PrivateKey` protobuf (an identity key file). Only Ed25519 is
 * supported: another known type is `KEY_UNSUPPORTED`, an unknown one `KEY_UNKNOWN_TYPE`.
 */
export function privateKeyFromProtobuf(bytes: Uint8Array, options: KeyOptions = {}): Ed25519PrivateKey {
  const { type, data } = decodeKeyMessage(bytes)
  if (type !== 'Ed25519') throw new KeyError('KEY_UNSUPPORTED', `${type} private keys are not supported`)
  return ed25519PrivateKeyFromRaw(data, resolveBackend(options.backend))
}

/** Reads a raw Ed25519 private key: 32-byte seed, 64-byte `seed ‖ pub`, or legacy 96 bytes. */
export function privateKeyFromRaw(raw: Uint8Array, options: KeyOptions = {}): Ed25519PrivateKey {
  return ed25519PrivateKeyFromRaw(raw, resolveBackend(options.backend))
}

/** Writes a private key as a libp2p `PrivateKey` protobuf (freshly allocated). */
export function privateKeyToProtobuf(key: PrivateKey): Uint8Array {
  return key.toProtobuf()
}

/**
 * Reads a libp2p `PublicKey` protobuf of any of the four key types — what a
 * security handshake receives from the remote. Bytes are copied.
 */
export function publicKeyFromProtobuf(bytes: Uint8Array, options: KeyOptions = {}): PublicKey {
  const { type, data } = decodeKeyMessage(bytes)
  return publicKeyFromRaw(data, type, options)
}

/** Writes a public key as a libp2p `PublicKey` protobuf (cached on the key; do not mutate). */
export function publicKeyToProtobuf(key: PublicKey): Uint8Array {
  return key.toProtobuf()
}

/**
 * Reads the `Data` bytes of a public key of the given type (default Ed25519):
 * 32 bytes for Ed25519, a SEC1 point for secp256k1, DER SPKI for ECDSA and RSA.
 */
export function publicKeyFromRaw(
  raw: Uint8Array,
  type: KeyType = 'Ed25519',
  options: KeyOptions = {},
): PublicKey {
  assertBytes(raw, 'raw')
  const backend = resolveBackend(options.backend)
  switch (type) {
    case 'Ed25519':
      return ed25519PublicKeyFromRaw(raw, backend)
    case 'secp256k1':
      return secp256k1PublicKeyFromRaw(raw)
    case 'ECDSA':
      return ecdsaPublicKeyFromRaw(raw, backend)
    case 'RSA':
      return rsaPublicKeyFromRaw(raw, backend)
    default:
      throw new RangeError(`unknown key type ${String(type)}`)
  }
}
