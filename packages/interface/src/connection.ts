/**
 * An upgraded connection: secure, multiplexed, with a known remote peer
 * (seed 002, "Connection Upgrading Pipeline" and "Connection Lifecycle";
 * ../shared/specs/libp2p/connections/README.md). `@switchyard/upgrader` makes them.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { ByteStream } from './byte-stream.js'
import { type AbortOptions, SwitchyardError } from './errors.js'
import type { AbortCloseOptions } from './muxer.js'
import type { Direction, PeerId } from './peer.js'

/**
 * Where a connection is in its life (seed 002, "Connection States"):
 * `connecting` (raw connection, upgrade running), `open` (streams may be opened and
 * accepted), `closing` (GoAway sent or received, existing streams drain, no new
 * ones), `closed` (transport closed, resources released). Only ever moves forward.
 */
export type ConnectionState = 'connecting' | 'open' | 'closing' | 'closed'

/** A stream of a connection after its protocol was negotiated. */
export interface ProtocolStream {
  /** The stream, positioned after the multistream-select negotiation. The receiver owns it. */
  readonly stream: ByteStream
  /** The negotiated protocol id. */
  readonly protocol: string
  /** Who opened the stream. */
  readonly direction: Direction
  /** The muxer's id of the stream (unique within the connection). */
  readonly id: number
  /**
   * `true` once the remote confirmed `protocol`. Always `true` for inbound streams and
   * for outbound streams negotiated without `lazy`; for a lazy one (`NewStreamOptions.lazy`)
   * it is `false` when the stream is handed out and flips to `true` when the responder's
   * echo of the protocol arrives (it stays `false` if the remote refuses it, which
   * destroys the stream).
   */
  readonly confirmed: boolean
}

/**
 * Handles one inbound stream whose protocol was negotiated. Synchronous: it takes the
 * stream over (and must not throw; if it does, the stream is reset).
 */
export type StreamHandler = (stream: ProtocolStream, connection: Connection) => void

/**
 * Given a protocol id the remote proposes on an inbound stream, the handler for it,
 * or `undefined` to refuse it (the remote gets `na`). Called for every proposal: keep
 * it a map lookup.
 */
export type ProtocolLookup = (protocol: string) => StreamHandler | undefined

/** Options of `Connection.newStream`. */
export interface NewStreamOptions extends AbortOptions {
  /**
   * Resolve before the remote confirmed the protocol (multistream-select "lazy"
   * select), saving a round trip. Only when exactly one protocol is requested; a
   * refusal then surfaces as an error of the stream. Default false.
   */
  lazy?: boolean
  /**
   * With `lazy`: called once when the remote confirms the protocol (never on a
   * refusal); `ProtocolStream.confirmed` is `true` from then on. It must not throw.
   */
  onConfirmed?: () => void
  /** Give up the negotiation after this long, ms. Default: the connection's (10 000). */
  negotiationTimeoutMs?: number
}

/** A secure, multiplexed connection to one remote peer. */
export interface Connection {
  /** A process-unique id for logs. */
  readonly id: string
  readonly remotePeer: PeerId
  readonly direction: Direction
  readonly remoteAddr: Multiaddr
  readonly localAddr: Multiaddr
  /** The security protocol id, e.g. `/noise`. */
  readonly security: string
  /** The muxer protocol id, e.g. `/yamux/1.0.0`. */
  readonly muxer: string
  readonly state: ConnectionState
  /** Streams open right now (both directions, negotiated or not). */
  readonly streamCount: number
  /**
   * Bytes received on the underlying transport connection so far: wire bytes, so they
   * include multistream-select, the security handshake, encryption and muxer framing.
   * `undefined` when the transport does not count (`RawConnection.bytesRead`).
   */
  readonly bytesRead?: number | undefined
  /** Bytes sent on the underlying transport connection so far (wire bytes, as `bytesRead`). */
  readonly bytesWritten?: number | undefined
  /**
   * Open a stream and negotiate one of `protocols` (in preference order) with
   * multistream-select. Rejects with `ConnectionError('CONNECTION_NOT_OPEN')` unless the
   * connection is `open`, and with the negotiation's error otherwise (the stream is
   * then reset).
   */
  newStream(protocols: string | readonly string[], options?: NewStreamOptions): Promise<ProtocolStream>
  /**
   * Graceful close: GoAway, no new streams, open streams drain (up to the muxer's close
   * timeout, after which they are reset), then the transport closes. Idempotent.
   */
  close(options?: AbortOptions): Promise<void>
  /**
   * Abrupt close: the muxer's goodbye carries `options.goodbye` (default
   * `internal-error`), every stream is reset and the transport destroyed with `err`.
   */
  abort(err: Error, options?: AbortCloseOptions): void
  /** Run `callback` once when the connection is `closed` (with the error, if it failed). */
  onceClosed(callback: (err?: Error) => void): () => void
}

/** Codes of `ConnectionError`. */
export type ConnectionErrorCode =
  /** `newStream` on a connection that is `closing` or `closed`. */
  'CONNECTION_NOT_OPEN'

/** An operation on a connection that its state does not allow. */
export class ConnectionError extends SwitchyardError<ConnectionErrorCode> {}
