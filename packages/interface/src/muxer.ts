import type { ByteStream } from './byte-stream.js'
import type { AbortOptions } from './errors.js'
import type { Direction } from './peer.js'

/** One stream of a multiplexed connection. */
export interface MuxedStream extends ByteStream {
  /** The muxer's id for the stream (unique within its session). */
  readonly id: number
  readonly direction: Direction
}

/**
 * Byte accounting a muxer consults before it buffers more (window growth, new
 * streams). Resource scopes implement it; absent means unlimited.
 */
export interface MemoryAccount {
  /** Reserve `bytes`; `false` when the limit does not allow it. */
  reserveMemory(bytes: number): boolean
  /** Give back `bytes` earlier reserved. */
  releaseMemory(bytes: number): void
}

/** What a muxer session reports to its owner. */
export interface MuxerEvents {
  /** The remote opened a stream. The callee becomes its owner. */
  onStream(stream: MuxedStream): void
  /** The session is over (with the error, if it failed). Called once. */
  onClose?(err?: Error): void
}

/** Options of one muxer session. */
export interface MuxerSessionInit extends MuxerEvents {
  /** `outbound` for the dialer (yamux client, odd ids), `inbound` for the listener. */
  direction: Direction
  /** Memory accounting for receive buffers (optional). */
  memory?: MemoryAccount
}

/**
 * What a muxer's goodbye says when a session ends abruptly: yamux's GoAway codes
 * (spec "Session termination": 0x0 normal, 0x1 protocol error, 0x2 internal error;
 * seed 002 "Abrupt Termination"). A muxer without such codes ignores it.
 */
export type GoodbyeCode = 'normal' | 'protocol-error' | 'internal-error'

/** Options of an abrupt close (`StreamMuxer.abort`, `Connection.abort`). */
export interface AbortCloseOptions {
  /** The code the goodbye carries. Default `internal-error`. */
  goodbye?: GoodbyeCode
}

/** A multiplexed session over one secure channel; it owns that channel. */
export interface StreamMuxer {
  readonly protocol: string
  /** Open an outbound stream. */
  newStream(options?: AbortOptions): Promise<MuxedStream>
  /** Streams currently open. */
  readonly streamCount: number
  /** Graceful: no new streams (GoAway), let open streams finish up to a timeout, close the channel. */
  close(options?: AbortOptions): Promise<void>
  /** Abrupt: goodbye (GoAway with `options.goodbye`), reset every stream, destroy the channel. */
  abort(err: Error, options?: AbortCloseOptions): void
  /** Run `callback` once when the session ends. */
  onceClosed(callback: (err?: Error) => void): () => void
}

/** Creates muxer sessions for one protocol id (`/yamux/1.0.0`). */
export interface StreamMuxerFactory {
  readonly protocol: string
  createSession(channel: ByteStream, init: MuxerSessionInit): StreamMuxer
}
