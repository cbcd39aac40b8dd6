import type { ByteStream } from './byte-stream.js'
import type { AbortOptions } from './errors.js'
import type { PeerId } from './peer.js'

/** Options of one security handshake. */
export interface SecureOptions extends AbortOptions {
  /** Outbound: the peer we expect; a different remote is a typed error. */
  remotePeer?: PeerId
  /**
   * Muxer protocol ids to offer for early muxer negotiation, in preference order
   * (../shared/specs/libp2p/connections/inlined-muxer-negotiation.md). Empty or
   * absent: do not offer.
   */
  muxers?: readonly string[]
}

/** The outcome of a security handshake. */
export interface SecureResult {
  /** The encrypted channel. It owns (and closes) the stream it was built on. */
  stream: ByteStream
  remotePeer: PeerId
  /** The muxer both sides agreed on during the handshake, if they did. */
  muxer?: string | undefined
  /**
   * Early data the remote sent in its (authenticated) handshake, for protocols
   * that carry it: Noise extensions (libp2p noise spec §Noise Extensions).
   */
  remoteExtensions?: SecureExtensions | undefined
}

/** Handshake extensions of a security protocol (Noise `NoiseExtensions`). */
export interface SecureExtensions {
  /** Muxer protocol ids the remote listed for early negotiation. */
  readonly streamMuxers: readonly string[]
  /** WebTransport certificate hashes (multihashes) the remote listed. */
  readonly webtransportCerthashes: readonly Uint8Array[]
}

/** A security protocol such as `/noise`. One instance holds the local identity. */
export interface SecurityProtocol {
  readonly protocol: string
  secureOutbound(stream: ByteStream, options?: SecureOptions): Promise<SecureResult>
  secureInbound(stream: ByteStream, options?: SecureOptions): Promise<SecureResult>
}
