/**
 * Typed errors of the /noise handshake and secure channel. Branch on `code`.
 */
import { SwitchyardError } from '@switchyard/interface'

/** Conditions the Noise handshake and channel report. */
export type NoiseErrorCode =
  /** A handshake message is malformed (too short, bad length, junk where a key should be). */
  | 'NOISE_BAD_HANDSHAKE_MESSAGE'
  /** An AEAD tag did not verify: tampered, replayed, reordered or garbage data. */
  | 'NOISE_DECRYPT_FAILED'
  /** A transport frame is shorter than the 16-byte authentication tag. */
  | 'NOISE_FRAME_TOO_SHORT'
  /** The stream ended (or closed) in the middle of a frame or of the handshake. */
  | 'NOISE_TRUNCATED'
  /** 2^64-1 messages were sent or received with one key (Noise §5.1: that nonce is reserved). */
  | 'NOISE_NONCE_EXHAUSTED'
  /** The handshake payload is not a valid `NoiseHandshakePayload` protobuf. */
  | 'NOISE_INVALID_PAYLOAD'
  /** The identity key in the payload cannot be decoded or is of an unsupported type. */
  | 'NOISE_INVALID_IDENTITY_KEY'
  /** The identity signature over the static key does not verify. */
  | 'NOISE_INVALID_SIGNATURE'
  /** The remote's peer id is not the one the caller expected. */
  | 'NOISE_UNEXPECTED_PEER'
  /** Both sides offered muxers in the handshake and none is common (inlined-muxer-negotiation §Noise). */
  | 'NOISE_NO_COMMON_MUXER'
  /** The handshake did not finish within `handshakeTimeoutMs`. */
  | 'NOISE_HANDSHAKE_TIMEOUT'
  /** X25519 produced an unusable shared secret (a low-order point from the remote). */
  | 'NOISE_DH_FAILED'

/** An error of the Noise handshake or of the secure channel. */
export class NoiseError extends SwitchyardError<NoiseErrorCode> {}
