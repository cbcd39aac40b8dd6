/**
 * Static key authentication (libp2p noise spec §Static Key Authentication): the
 * payload carries the sender's libp2p identity key and its signature over
 * `"noise-libp2p-static-key:" ‖ static key`. Keys of every libp2p type are decoded
 * and verified through `@switchyard/peer-id`.
 */
import { type PeerId, peerIdFromPublicKey, publicKeyFromProtobuf } from '@switchyard/peer-id'
import { NoiseError } from './errors.js'

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
 */
export function verifyIdentity(
  identityKey: Uint8Array,
  identitySig: Uint8Array,
  remoteStatic: Uint8Array,
): PeerId {
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
