import type { Multiaddr } from '@multiformats/multiaddr'
import type { ByteStream } from './byte-stream.js'
import type { AbortOptions } from './errors.js'

/**
 * A raw transport connection (TCP socket, in-memory pipe) before any upgrade.
 * The byte stream owns the socket: `destroy()` or a graceful close releases it.
 */
export interface RawConnection extends ByteStream {
  readonly remoteAddr: Multiaddr
  readonly localAddr: Multiaddr
  /**
   * Bytes received from the remote so far (wire bytes: every layer's framing and
   * encryption included). Optional: a transport that does not count leaves it out.
   * Must be cheap to read (a field or the socket's own counter), never per-chunk work
   * added for it.
   */
  readonly bytesRead?: number
  /** Bytes sent to the remote so far (wire bytes, as `bytesRead`). Optional. */
  readonly bytesWritten?: number
}

/** Options of `Transport.dial`. */
export interface DialOptions extends AbortOptions {
  /** Give up after this long; the error is typed and names the address. */
  timeoutMs?: number
}

/** What a listener reports to its owner. */
export interface ListenerEvents {
  /** A new inbound connection. The callee becomes its owner. */
  onConnection(conn: RawConnection): void
  /** The listener failed after it started (it is closed afterwards). */
  onError?(err: Error): void
}

/** A bound listener. */
export interface Listener {
  /** The address actually bound (port 0 is replaced with the real port). */
  readonly addr: Multiaddr
  /** Stop accepting. Connections already accepted belong to their owners and stay open. */
  close(options?: AbortOptions): Promise<void>
}

/** Dials and listens on one kind of address. */
export interface Transport {
  /** A short name for logs and errors, e.g. `'tcp'`. */
  readonly name: string
  /** True when this transport can dial `addr`. Pure, fast. */
  canDial(addr: Multiaddr): boolean
  /** True when this transport can listen on `addr`. Pure, fast. */
  canListen(addr: Multiaddr): boolean
  dial(addr: Multiaddr, options?: DialOptions): Promise<RawConnection>
  listen(addr: Multiaddr, events: ListenerEvents, options?: AbortOptions): Promise<Listener>
}
