import { SwitchyardError } from './errors.js'

/**
 * Codes raised by transports (`@switchyard/transport-tcp`, `@switchyard/transport-memory`, …).
 * They are shared so that a dialer can rank and aggregate failures without knowing
 * which transport produced them.
 */
export type TransportErrorCode =
  /** The address is not one this transport can dial or listen on. */
  | 'TRANSPORT_ADDR_UNSUPPORTED'
  /** Listening failed because the address is already bound (`EADDRINUSE`). */
  | 'TRANSPORT_ADDR_IN_USE'
  /** Listening failed for another reason (`EADDRNOTAVAIL`, `EACCES`, …). */
  | 'TRANSPORT_LISTEN_FAILED'
  /** Nothing listens at the address (`ECONNREFUSED`). */
  | 'TRANSPORT_CONNECTION_REFUSED'
  /** No route to the address (`ENETUNREACH`, `EHOSTUNREACH`, name not resolved). */
  | 'TRANSPORT_UNREACHABLE'
  /** The dial did not complete within its timeout. */
  | 'TRANSPORT_DIAL_TIMEOUT'
  /** The dial failed for another reason; see `cause`. */
  | 'TRANSPORT_DIAL_FAILED'
  /** An established connection failed (`ECONNRESET`, `EPIPE`, …); see `cause`. */
  | 'TRANSPORT_CONNECTION_FAILED'

/** A transport failure. `addr` names the multiaddr (as a string) it concerns. */
export class TransportError extends SwitchyardError<TransportErrorCode> {
  /** The address dialled or listened on, or the remote address of the failed connection. */
  readonly addr: string

  constructor(code: TransportErrorCode, addr: string, message: string, options?: { cause?: unknown }) {
    super(code, `${message} (${addr})`, options)
    this.addr = addr
  }
}
