/**
 * `@switchyard/noise`: the libp2p `/noise` secure channel
 * (../../shared/specs/libp2p/noise/README.md) — Noise_XX_25519_ChaChaPoly_SHA256
 * with the libp2p identity payload and early muxer negotiation.
 */
export { CipherState, TAG_LENGTH } from './cipher-state.js'
export type { Aead, DhKeyPair, DhPublicKey, NoiseCrypto } from './crypto.js'
export { nobleNoiseCrypto } from './crypto-noble.js'
export { nodeCryptoAvailable, nodeNoiseCrypto } from './crypto-node.js'
export { chooseAsInitiator, chooseAsResponder, type InitiatorMuxerChoice } from './early-muxer.js'
export { NoiseError, type NoiseErrorCode } from './errors.js'
export { FrameDecoder, MAX_FRAME_BYTES } from './frame-decoder.js'
export {
  PROTOCOL_NAME,
  type TransportKeys,
  type XXHandshakeInit,
  XXHandshakeState,
} from './handshake-state.js'
export { staticKeySignedData } from './identity.js'
export {
  createNoise,
  defaults,
  type Noise,
  type NoiseCryptoChoice,
  type NoiseInit,
  type NoiseSecureResult,
  resolveNoiseCrypto,
} from './noise.js'
export { decodePayload, encodePayload, type NoiseExtensions, type NoiseHandshakePayload } from './payload.js'
export { MAX_PLAINTEXT_BYTES, SecureChannel, type SecureChannelInit } from './secure-channel.js'
