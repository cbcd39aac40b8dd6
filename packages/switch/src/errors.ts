/**
 * Typed errors of the switch. Errors of the layers below (dialer, upgrader, muxer,
 * multistream-select, resource scopes, gater) pass through unchanged, so callers can
 * branch on their codes; the switch adds only the conditions it owns.
 */
import { SwitchyardError } from '@switchyard/interface'

/** Codes of {@link SwitchError}. */
export type SwitchErrorCode =
  /** The switch was closed (or is closing): no new dials, listens or streams. */
  | 'SWITCH_CLOSED'
  /** No registered transport can listen on / dial the address. */
  | 'SWITCH_NO_TRANSPORT'
  /** The remote answered `na` to every protocol proposed by `openStream` (seed 002 "Outbound Streams" 5). */
  | 'SWITCH_PROTOCOL_NOT_SUPPORTED'
  /** A per-protocol stream limit of `handle()` was reached on the connection. */
  | 'SWITCH_STREAM_LIMIT'
  /** A connection limit (`maxConnections`, `maxInboundConnections`, `maxOutboundConnections`) was reached. */
  | 'SWITCH_CONNECTION_LIMIT'
  /** Too many inbound connections are still upgrading (`maxPendingInbound`). */
  | 'SWITCH_TOO_MANY_PENDING'
  /** A handler is already registered for the protocol. */
  | 'SWITCH_PROTOCOL_REGISTERED'

/** A condition the switch itself detected. `cause` keeps the underlying error. */
export class SwitchError extends SwitchyardError<SwitchErrorCode> {}
