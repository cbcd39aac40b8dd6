/**
 * What the CLI needs from a libp2p node: listen, dial, serve handlers, count.
 * `createTcpHost` builds it from transport-tcp + noise + yamux + upgrader; it
 * moves onto `@switchyard/switch` once that lands.
 */
import type { AbortOptions, ByteStream } from '@switchyard/interface'

/** A connection as the CLI uses it. */
export interface HostConnection {
  readonly remotePeer: string
  /** The negotiated security and muxer protocol ids. */
  readonly security: string
  readonly muxer: string
  /**
   * Opens a stream and negotiates `protocol`; with `lazy`, the proposal rides with the
   * first write and the stream is returned before the remote confirmed it.
   */
  newStream(protocol: string, options?: AbortOptions & { lazy?: boolean }): Promise<ByteStream>
  close(options?: AbortOptions): Promise<void>
}

/** A libp2p node as the CLI uses it. */
export interface Host {
  /** Base58 peer id. */
  readonly peerId: string
  /** Starts listening; returns the bound addresses, each ending in `/p2p/<peer id>`. */
  listen(addrs: readonly string[], options?: AbortOptions): Promise<string[]>
  /** Dials a multiaddr ending in `/p2p/<peer id>` (a new connection every time). */
  dial(addr: string, options?: AbortOptions): Promise<HostConnection>
  /** Open connections and streams, for SIGUSR2 stats. */
  stats(): { connections: number; streams: number }
  close(options?: AbortOptions): Promise<void>
}
