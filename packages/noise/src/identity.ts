/**
 * Static key authentication (libp2p noise spec §Static Key Authentication): the
 * payload carries the sender's libp2p identity key and its signature over
 * `"noise-libp2p-static-key:" ‖ static key`. Keys of every libp2p type are decoded
 * and verified through `@switchyard/peer-id`.
 */
import { type PeerId, peerIdFromPublicKey, publicKeyFromProtobuf } from '@switchyard/peer-id'
import { NoiseError } from './errors.js'
import { bytesKey, type LruCache } from './lru-cache.js'

/**
 * Identities (key + signature) larger than this are verified but not cached, so
 * that an entry stays small (Ed25519: 100 bytes; RSA-4096: ~1060) and the cache's
 * memory is bounded by its entry count (RSA keys go up to 8192 bits).
 */
export const MAX_CACHED_IDENTITY_BYTES = 2048

const PREFIX = new TextEncoder().encode('noise-libp2p-static-key:')

/** The bytes the identity key signs: the prefix, then the 32-byte static key. */
export function staticKeySignedData(staticPublicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX.byteLength + staticPublicKey.byteLength)
  out.set(PREFIX)
  out.set(staticPublicKey, PREFIX.byteLength)
  return out
}

/**
 * Decodes the remote identity key and verifies its signature over the remote
 * static key. Returns the remote peer id; throws `NOISE_INVALID_IDENTITY_KEY` or
 * `NOISE_INVALID_SIGNATURE`.
 *
 * With a `cache`, a successful result is remembered under the exact bytes of
 * (remote static key, identity key, signature), and the same three byte strings
 * later return the remembered peer id without decoding or verifying again. That is
 * as sound as verifying again: decoding is a function of the identity key bytes and
 * signature verification (Ed25519, ECDSA, RSA PKCS#1 v1.5, secp256k1, all strict)
 * is a deterministic function of (key, message, signature), and the message is a
 * function of the static key — the same inputs cannot give another answer.
 * Failures are never cached. Bitcoin Core's signature cache rests on the same fact.
 */
export function verifyIdentity(
  identityKey: Uint8Array,
  identitySig: Uint8Array,
  remoteStatic: Uint8Array,
  cache?: LruCache<PeerId>,
): PeerId {
  if (
    cache === undefined ||
    cache.maxEntries === 0 ||
    identityKey.byteLength + identitySig.byteLength > MAX_CACHED_IDENTITY_BYTES
  ) {
    return verifyUncached(identityKey, identitySig, remoteStatic)
  }
  const key = bytesKey(remoteStatic, identityKey, identitySig)
  let peer = cache.get(key)
  if (peer === undefined) {
    peer = verifyUncached(identityKey, identitySig, remoteStatic)
    cache.set(key, peer)
  }
  return peer
}

function verifyUncached(identityKey: Uint8Array, identitySig: Uint8Array, remoteStatic: Uint8Array): PeerId {
  if (identityKey.byteLength === 0) {
    throw new NoiseError('NOISE_INVALID_IDENTITY_KEY', 'the handshake payload has no identity key')
  }
  let key: ReturnType<typeof publicKeyFromProtobuf>
  try {
    key = publicKeyFromProtobuf(identityKey)
  } catch (cause) {
    throw new NoiseError('NOISE_INVALID_IDENTITY_KEY', 'the remote identity key cannot be decoded', { cause })
  }
  let ok = false
  try {
    ok = key.verify(staticKeySignedData(remoteStatic), identitySig)
  } catch (cause) {
    throw new NoiseError('NOISE_INVALID_SIGNATURE', 'the identity signature cannot be verified', { cause })
  }
  if (!ok)
    throw new NoiseError('NOISE_INVALID_SIGNATURE', 'the identity signature over the static key is invalid')
  return peerIdFromPublicKey(key)
}
