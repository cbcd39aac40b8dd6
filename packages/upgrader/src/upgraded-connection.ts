/**
 * The `Connection` the upgrader hands out (@switchyard/interface connection.ts): a muxer
 * session plus its identity, protocol negotiation on every stream (multistream-select),
 * and the lifecycle of seed 002 "Connection States".
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type AbortCloseOptions,
  type AbortOptions,
  type ByteStream,
  CloseCallbacks,
  type Connection,
  ConnectionError,
  type ConnectionResourceScope,
  type ConnectionState,
  type Direction,
  type MuxedStream,
  type NewStreamOptions,
  type PeerId,
  type ProtocolLookup,
  type ProtocolStream,
  type RawConnection,
  raceSignal,
  type StreamMuxer,
  type StreamMuxerFactory,
  type StreamResourceScope,
  throwIfAborted,
} from '@switchyard/interface'
import { handle, select } from '@switchyard/multistream'

/** What an `UpgradedConnection` is built from. */
export interface UpgradedConnectionInit {
  remotePeer: PeerId
  direction: Direction
  remoteAddr: Multiaddr
  localAddr: Multiaddr
  security: string
  /** How the muxer was agreed: in the security handshake (Noise extensions) or by multistream-select. */
  muxerNegotiation: 'handshake' | 'multistream'
  /** The muxer factory; the connection starts its session over `channel`. */
  muxerFactory: StreamMuxerFactory
  /** The secure channel, which the muxer session takes over. */
  channel: ByteStream
  /** The connection's resource scope, if a resource manager is in use. Closed with the connection. */
  scope: ConnectionResourceScope | undefined
  /** Finds the handler of an inbound stream's protocol. */
  protocols: ProtocolLookup
  /** Default negotiation timeout of every stream, ms. */
  streamNegotiationTimeoutMs: number
  /** The transport connection whose byte counters `bytesRead` / `bytesWritten` forward. */
  raw?: Pick<RawConnection, 'bytesRead' | 'bytesWritten'>
}

let nextId = 0

/** A secure, multiplexed connection (see `Connection`). */
export class UpgradedConnection implements Connection {
  readonly id = `conn-${++nextId}`
  readonly remotePeer: PeerId
  readonly direction: Direction
  readonly remoteAddr: Multiaddr
  readonly localAddr: Multiaddr
  readonly security: string
  readonly muxer: string
  /** How the muxer was agreed: in the security handshake (Noise extensions) or by multistream-select. */
  readonly muxerNegotiation: 'handshake' | 'multistream'
  #state: ConnectionState = 'connecting'
  #error: Error | undefined
  readonly #session: StreamMuxer
  readonly #scope: ConnectionResourceScope | undefined
  readonly #protocols: ProtocolLookup
  readonly #negotiationTimeoutMs: number
  readonly #raw: Pick<RawConnection, 'bytesRead' | 'bytesWritten'> | undefined
  readonly #closeCallbacks = new CloseCallbacks()
  #closing: Promise<void> | undefined

  constructor(init: UpgradedConnectionInit) {
    this.remotePeer = init.remotePeer
    this.direction = init.direction
    this.remoteAddr = init.remoteAddr
    this.localAddr = init.localAddr
    this.security = init.security
    this.muxer = init.muxerFactory.protocol
    this.muxerNegotiation = init.muxerNegotiation
    this.#scope = init.scope
    this.#protocols = init.protocols
    this.#negotiationTimeoutMs = init.streamNegotiationTimeoutMs
    this.#raw = init.raw
    this.#session = init.muxerFactory.createSession(init.channel, {
      direction: init.direction,
      onStream: (stream) => this.#onInboundStream(stream),
      onClose: (err) => this.#onSessionClosed(err),
      ...(init.scope === undefined ? {} : { memory: init.scope.memoryAccount() }),
    })
  }

  get state(): ConnectionState {
    return this.#state
  }

  get streamCount(): number {
    return this.#session.streamCount
  }

  /**
   * Bytes received by the transport connection (`RawConnection.bytesRead`): wire bytes,
   * including the security handshake, encryption and muxer framing overhead.
   */
  get bytesRead(): number | undefined {
    return this.#raw?.bytesRead
  }

  /** Bytes sent by the transport connection (`RawConnection.bytesWritten`): wire bytes, as `bytesRead`. */
  get bytesWritten(): number | undefined {
    return this.#raw?.bytesWritten
  }

  /** The error the connection closed with, if any. */
  get error(): Error | undefined {
    return this.#error
  }

  /** The upgrade finished (every gate passed): the connection is usable. */
  markOpen(): void {
    this.#setState('open')
  }

  async newStream(
    protocols: string | readonly string[],
    options: NewStreamOptions = {},
  ): Promise<ProtocolStream> {
    const list = typeof protocols === 'string' ? [protocols] : [...protocols]
    if (list.length === 0 || list.some((p) => typeof p !== 'string' || p.length === 0)) {
      throw new TypeError('newStream needs at least one non-empty protocol id')
    }
    throwIfAborted(options.signal)
    if (this.#state !== 'open') {
      throw new ConnectionError('CONNECTION_NOT_OPEN', `connection ${this.id} is ${this.#state}`)
    }
    const scope = this.#scope?.openStream('outbound')
    let muxed: MuxedStream
    try {
      muxed = await this.#session.newStream({ signal: options.signal })
    } catch (err) {
      scope?.done()
      throw err
    }
    if (scope !== undefined) muxed.onceClosed(() => scope.done())
    try {
      const negotiated = await select(muxed, list, {
        signal: options.signal,
        timeoutMs: options.negotiationTimeoutMs ?? this.#negotiationTimeoutMs,
        // Lazy select only makes sense for one protocol (multistream-select sends the
        // proposal with the first data and cannot fall back to a second one).
        lazy: options.lazy === true && list.length === 1,
        onConfirmed: options.onConfirmed,
      })
      const { stream, protocol } = negotiated
      // A remote reset right after the negotiation has closed the scope already.
      if (scope !== undefined && !scope.closed) scope.setProtocol(protocol)
      // Only a lazy select answers before the responder confirmed (`confirmed` is then
      // present on the result and flips when the echo arrives).
      if (negotiated.confirmed === undefined) {
        return { stream, protocol, direction: 'outbound', id: muxed.id, confirmed: true }
      }
      return {
        stream,
        protocol,
        direction: 'outbound',
        id: muxed.id,
        get confirmed() {
          return negotiated.confirmed !== false
        },
      }
    } catch (err) {
      muxed.destroy(err instanceof Error ? err : undefined)
      throw err
    }
  }

  close(options: AbortOptions = {}): Promise<void> {
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason)
    if (this.#state === 'closed') return Promise.resolve()
    if (this.#closing === undefined) {
      this.#setState('closing')
      // GoAway, drain up to the muxer's close timeout, then close the channel (seed 002 "Graceful Shutdown").
      this.#closing = this.#session.close().then(
        () => this.#onSessionClosed(undefined),
        (err: unknown) => this.abort(err instanceof Error ? err : new Error(String(err))),
      )
    }
    // Abandoning a graceful close means closing abruptly.
    return raceSignal(this.#closing, options.signal, (reason) =>
      this.abort(reason instanceof Error ? reason : new Error(String(reason))),
    )
  }

  abort(err: Error, options?: AbortCloseOptions): void {
    if (this.#state === 'closed') return
    this.#session.abort(err, options)
    this.#onSessionClosed(err)
  }

  onceClosed(callback: (err?: Error) => void): () => void {
    return this.#closeCallbacks.add(callback)
  }

  // The one place the state changes; states only move forward.
  #setState(next: ConnectionState): void {
    const current = this.#state
    switch (next) {
      case 'connecting':
        throw new Error('a connection never returns to connecting')
      case 'open':
        if (current !== 'connecting') throw new Error(`cannot open a connection that is ${current}`)
        break
      case 'closing':
        if (current !== 'open' && current !== 'connecting')
          throw new Error(`cannot close a connection that is ${current}`)
        break
      case 'closed':
        break
      default: {
        const never: never = next
        throw new Error(`unknown state ${String(never)}`)
      }
    }
    this.#state = next
  }

  #onSessionClosed(err: Error | undefined): void {
    if (this.#state === 'closed') return
    this.#error = err
    this.#setState('closed')
    this.#scope?.done()
    this.#closeCallbacks.fire(err)
  }

  /** The protocol matcher for inbound negotiations; made with the first inbound stream. */
  #match: ((protocol: string) => boolean) | undefined

  /** An inbound stream: negotiate its protocol as the responder, then hand it to its handler. */
  #onInboundStream(muxed: MuxedStream): void {
    if (this.#state !== 'open') {
      muxed.destroy(new ConnectionError('CONNECTION_NOT_OPEN', `connection ${this.id} is ${this.#state}`))
      return
    }
    let scope: StreamResourceScope | undefined
    try {
      scope = this.#scope?.openStream('inbound')
    } catch (err) {
      muxed.destroy(err instanceof Error ? err : undefined)
      return
    }
    if (scope !== undefined) muxed.onceClosed(() => scope.done())
    this.#match ??= (protocol) => this.#protocols(protocol) !== undefined
    handle(muxed, this.#match, { timeoutMs: this.#negotiationTimeoutMs }).then(
      ({ stream, protocol }) => {
        const handler = this.#protocols(protocol)
        if (handler === undefined) {
          // The handler was removed while the negotiation was finishing.
          stream.destroy()
          return
        }
        try {
          scope?.setProtocol(protocol)
          handler({ stream, protocol, direction: 'inbound', id: muxed.id, confirmed: true }, this)
        } catch (err) {
          stream.destroy(err instanceof Error ? err : new Error(String(err)))
        }
      },
      // A failed negotiation has destroyed the stream already; the remote sees a reset.
      () => {},
    )
  }
}
