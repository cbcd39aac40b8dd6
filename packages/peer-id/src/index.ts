/**
 * `@switchyard/peer-id`: Ed25519 identity keys, verify-only remote keys of the
 * other libp2p key types, and libp2p peer ids
 * (../../shared/specs/libp2p/peer-ids/peer-ids.md).
 */
export {
  type CryptoBackend,
  getCryptoBackend,
  type KeyOptions,
  setCryptoBackend,
} from './crypto-backend.js'
export { type EcdsaCurve, EcdsaPublicKey } from './ecdsa.js'
export { Ed25519PrivateKey, Ed25519PublicKey } from './ed25519.js'
export { KeyError, type KeyErrorCode, PeerIdError, type PeerIdErrorCode } from './errors.js'
export type { PrivateKey, PublicKey } from './key.js'
export { type KeyType, MAX_KEY_DATA_BYTES } from './key-protobuf.js'
export {
  generateKeyPair,
  generateKeyPairFromSeed,
  privateKeyFromProtobuf,
  privateKeyFromRaw,
  privateKeyToProtobuf,
  publicKeyFromProtobuf,
  publicKeyFromRaw,
  publicKeyToProtobuf,
} from './keys.js'
export {
  comparePeerIds,
  isPeerId,
  PeerId,
  peerIdFromBytes,
  peerIdFromCID,
  peerIdFromPrivateKey,
  peerIdFromPublicKey,
  peerIdFromString,
  publicKeyFromPeerId,
} from './peer-id.js'
export { RSA_MAX_BITS, RSA_MIN_BITS, RsaPublicKey } from './rsa.js'
export { Secp256k1PublicKey } from './secp256k1.js'
