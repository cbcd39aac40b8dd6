import { SwitchyardError } from '@switchyard/interface'
import type { GoAwayCode } from './constants.js'

/**
 * Conditions raised by the yamux session. Protocol violations by the remote end
 * the session with GoAway(protocol error) and reach every stream as this error.
 */
export type YamuxErrorCode =
  /** A header's version field was not 0 (spec "Version Field"). */
  | 'YAMUX_INVALID_VERSION'
  /** Unknown frame type, or a stream frame type on stream 0 / a session type on a stream. */
  | 'YAMUX_INVALID_FRAME_TYPE'
  /** A flag combination the spec does not allow (e.g. a ping with neither SYN nor ACK). */
  | 'YAMUX_INVALID_FLAGS'
  /** A stream id of the wrong parity for its opener, or 0 for a stream frame. */
  | 'YAMUX_INVALID_STREAM_ID'
  /** A frame for a stream id that was never opened. */
  | 'YAMUX_UNKNOWN_STREAM'
  /** Data for a stream the remote had already closed (FIN or RST). */
  | 'YAMUX_STREAM_CLOSED'
  /** A SYN for a stream id that is open. */
  | 'YAMUX_DUPLICATE_SYN'
  /** A Data frame larger than the receive window allows. */
  | 'YAMUX_RECV_WINDOW_EXCEEDED'
  /** A Data frame longer than the largest window this session can ever grant. */
  | 'YAMUX_FRAME_TOO_LARGE'
  /** A window update that would take the send window past 2^32-1. */
  | 'YAMUX_WINDOW_OVERFLOW'
  /** The remote sent GoAway with an error code (see `goAwayCode`). */
  | 'YAMUX_REMOTE_GOAWAY'
  /** No new streams: a GoAway was sent or received, or the session is closed. */
  | 'YAMUX_SESSION_CLOSED'
  /** Opening a stream would exceed `maxOutboundStreams`. */
  | 'YAMUX_TOO_MANY_STREAMS'
  /** The remote's ACK backlog is full and `ackBacklogFull` is `'fail'`. */
  | 'YAMUX_ACK_BACKLOG_FULL'
  /** A keepalive ping got no answer within `keepAliveTimeoutMs`. */
  | 'YAMUX_KEEPALIVE_TIMEOUT'
  /** An inbound stream was not acknowledged (negotiated) within `ackTimeoutMs`; it was reset. */
  | 'YAMUX_ACK_TIMEOUT'
  /** The underlying channel closed or failed under the session (cause attached). */
  | 'YAMUX_TRANSPORT_CLOSED'
  /** A bug: an exception escaped the session's own code (cause attached); the session was failed. */
  | 'YAMUX_INTERNAL_ERROR'

/** The one error class of @switchyard/yamux. */
export class YamuxError extends SwitchyardError<YamuxErrorCode> {
  /** For `YAMUX_REMOTE_GOAWAY`: the code the remote sent. */
  readonly goAwayCode: GoAwayCode | number | undefined

  constructor(code: YamuxErrorCode, message: string, options?: { cause?: unknown; goAwayCode?: number }) {
    super(code, message, options)
    this.goAwayCode = options?.goAwayCode
  }
}

/** Codes that are the remote's fault: answered with GoAway(protocol error). */
export const PROTOCOL_ERROR_CODES: ReadonlySet<YamuxErrorCode> = new Set<YamuxErrorCode>([
  'YAMUX_INVALID_VERSION',
  'YAMUX_INVALID_FRAME_TYPE',
  'YAMUX_INVALID_FLAGS',
  'YAMUX_INVALID_STREAM_ID',
  'YAMUX_UNKNOWN_STREAM',
  'YAMUX_STREAM_CLOSED',
  'YAMUX_DUPLICATE_SYN',
  'YAMUX_RECV_WINDOW_EXCEEDED',
  'YAMUX_FRAME_TOO_LARGE',
  'YAMUX_WINDOW_OVERFLOW',
])
