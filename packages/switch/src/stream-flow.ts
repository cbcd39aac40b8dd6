/**
 * Streams through the switch: outbound (seed 002 "Outbound Streams": reuse or dial a
 * connection, open a muxer stream, negotiate) and inbound (seed 002 "Stream Handler
 * Dispatch": the protocol registry, per-connection protocol sets of seed 000, and
 * per-protocol stream limits), each counted on its connection and announced with
 * `stream:opened` / `stream:closed`.
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  AddressTTL,
  type Connection,
  type NewStreamOptions,
  type PeerId,
  type ProtocolLookup,
  type ProtocolStream,
  type StreamHandler,
  SwitchyardError,
  throwIfAborted,
} from '@switchyard/interface'
import type { ConnectionPool } from './connection-pool.js'
import { isPeerId, type SwitchDialOptions, type SwitchDialTarget } from './dial-flow.js'
import { SwitchError } from './errors.js'
import type { ManagedConnection } from './managed-connection.js'
import { ProtocolRegistry, type Registration } from './protocol-registry.js'
import type { SwitchContext } from './switch-context.js'

/** Options of `Switch.openStream`. */
export interface OpenStreamOptions extends NewStreamOptions {
  /** Addresses to dial when there is no connection (added to the peerstore's). */
  addrs?: readonly Multiaddr[]
}

/** Outbound streams of a protocol nobody registered are limited to this many per connection. */
const UNREGISTERED_OUTBOUND_STREAMS = 64

/** Streams and protocol handlers of one switch. */
export class StreamFlow {
  readonly #ctx: SwitchContext
  readonly #pool: ConnectionPool
  readonly #dial: (target: SwitchDialTarget, options: SwitchDialOptions) => Promise<Connection>
  readonly #registry = new ProtocolRegistry()

  constructor(
    ctx: SwitchContext,
    pool: ConnectionPool,
    dial: (target: SwitchDialTarget, options: SwitchDialOptions) => Promise<Connection>,
  ) {
    this.#ctx = ctx
    this.#pool = pool
    this.#dial = dial
  }

  get registry(): ProtocolRegistry {
    return this.#registry
  }

  /** See `Switch.openStream`. */
  async openStream(
    target: SwitchDialTarget,
    protocols: string | readonly string[],
    options: OpenStreamOptions,
  ): Promise<ProtocolStream> {
    throwIfAborted(options.signal)
    const list = typeof protocols === 'string' ? [protocols] : [...protocols]
    if (list.length === 0 || list.some((p) => typeof p !== 'string' || p.length === 0)) {
      throw new TypeError('openStream needs at least one non-empty protocol id')
    }
    let dialTarget = target
    if (options.addrs !== undefined && !Array.isArray(target) && isPeerId(target)) {
      this.#ctx.peerstore.addAddrs(target as PeerId, options.addrs, AddressTTL.temporary)
    } else if (options.addrs !== undefined) dialTarget = options.addrs
    // The common case, a peer with a pooled connection, skips the (async) dial flow.
    const pooled =
      isPeerId(dialTarget) && !this.#ctx.closed ? this.#pool.best(dialTarget as PeerId) : undefined
    if (pooled !== undefined) return this.#newStream(pooled, list, options)
    const conn = await this.#dial(dialTarget, options.signal === undefined ? {} : { signal: options.signal })
    const record = this.#pool.get(conn)
    if (record === undefined) return conn.newStream(list, options)
    return this.#newStream(record, list, options)
  }

  /** See `Switch.newStream`. */
  newStream(
    conn: Connection,
    protocols: string | readonly string[],
    options: NewStreamOptions,
  ): Promise<ProtocolStream> {
    const record = this.#record(conn)
    const list = typeof protocols === 'string' ? [protocols] : [...protocols]
    return this.#newStream(record, list, options)
  }

  /** See `Switch.setConnectionProtocols`. */
  setConnectionProtocols(conn: Connection, protocols: Iterable<string> | undefined): void {
    this.#record(conn).offered = protocols === undefined ? undefined : new Set(protocols)
  }

  /** See `Switch.connectionProtocols`. */
  connectionProtocols(conn: Connection): string[] {
    const record = this.#record(conn)
    return this.#registry
      .protocols()
      .filter((p) => this.#registry.match(p, record.info!, record.offered) !== undefined)
  }

  /** The per-connection protocol lookup handed to the upgrader for one connection. */
  lookupFor(record: ManagedConnection): ProtocolLookup {
    return (protocol: string): StreamHandler | undefined => {
      const reg = this.#registry.match(protocol, record.info, record.offered)
      return reg === undefined ? undefined : (ps, conn) => this.#dispatch(record, reg, ps, conn)
    }
  }

  #record(conn: Connection): ManagedConnection {
    const record = this.#pool.get(conn)
    if (record === undefined) throw new TypeError('not a connection of this switch')
    return record
  }

  async #newStream(
    record: ManagedConnection,
    list: string[],
    options: NewStreamOptions,
  ): Promise<ProtocolStream> {
    const conn = record.conn!
    // A per-protocol outbound limit is known before negotiating when one protocol is asked.
    const reserved = list.length === 1 ? this.#outboundLimit(list[0]!) : undefined
    if (reserved !== undefined) {
      if (record.count(record.outbound, reserved.key) >= reserved.max) {
        throw new SwitchError(
          'SWITCH_STREAM_LIMIT',
          `${reserved.max} outbound ${reserved.key} streams are open on ${conn.id}`,
        )
      }
      record.increment(record.outbound, reserved.key)
    }
    let ps: ProtocolStream
    // A lazy stream is handed out before the remote confirmed its protocol: the peerstore
    // learns the protocol when the confirmation arrives (seed 002 events → peer metadata).
    let confirmedEarly: string | undefined
    let learnLater: ((protocol: string) => void) | undefined
    if (options.lazy === true && list.length === 1) {
      const userCallback = options.onConfirmed
      options = {
        ...options,
        onConfirmed: () => {
          if (learnLater !== undefined) learnLater(list[0]!)
          else confirmedEarly = list[0]
          userCallback?.()
        },
      }
    }
    try {
      ps = await conn.newStream(list, options)
    } catch (err) {
      if (reserved !== undefined) record.decrement(record.outbound, reserved.key)
      record.failures++
      if (SwitchyardError.is(err, 'MULTISTREAM_PROTOCOL_REJECTED')) {
        throw new SwitchError(
          'SWITCH_PROTOCOL_NOT_SUPPORTED',
          `${conn.remotePeer.toString()} supports none of ${list.join(', ')}`,
          { cause: err },
        )
      }
      throw err
    }
    let key = reserved?.key
    if (key === undefined) {
      const limit = this.#outboundLimit(ps.protocol)
      key = limit.key
      if (record.count(record.outbound, key) >= limit.max) {
        const err = new SwitchError(
          'SWITCH_STREAM_LIMIT',
          `${limit.max} outbound ${key} streams are open on ${conn.id}`,
        )
        ps.stream.destroy(err)
        throw err
      }
      record.increment(record.outbound, key)
    }
    record.successes++
    // The peerstore learns a protocol only once the remote confirmed it: at once for a
    // negotiated stream, on the confirmation for a lazy one (a refusal never confirms).
    if (ps.confirmed || confirmedEarly !== undefined) this.#learn(record, ps.protocol)
    else learnLater = (protocol) => this.#learn(record, protocol)
    this.#announce(record, ps, record.outbound, key)
    return ps
  }

  /** Records a protocol the remote confirmed, once per connection (a persistent peerstore writes on every change). */
  #learn(record: ManagedConnection, protocol: string): void {
    if (record.learntProtocols.has(protocol)) return
    record.learntProtocols.add(protocol)
    this.#ctx.safe(() => this.#ctx.peerstore.addProtocols(record.remotePeer, [protocol]))
  }

  #outboundLimit(protocol: string): { key: string; max: number } {
    const reg = this.#registry.resolve(protocol)
    return reg === undefined
      ? { key: protocol, max: UNREGISTERED_OUTBOUND_STREAMS }
      : { key: reg.protocol, max: reg.maxOutboundStreams }
  }

  /** Announces a stream and counts it until it closes. */
  #announce(record: ManagedConnection, ps: ProtocolStream, counts: Map<string, number>, key: string): void {
    const events = this.#ctx.events
    const info = { id: ps.id, protocol: ps.protocol, direction: ps.direction }
    const streamKey = `${ps.direction}:${ps.id}`
    record.lastActivityAt = this.#ctx.now()
    record.streams.set(streamKey, info)
    const peer = record.remotePeer
    // Events are built only for listeners (one stream is the hot path of the switch).
    if (events.has('stream:opened')) {
      events.emit({ type: 'stream:opened', peer, conn: record.info!, stream: info })
    }
    ps.stream.onceClosed((error) => {
      record.decrement(counts, key)
      if (!record.streams.delete(streamKey) || !events.has('stream:closed')) return
      events.emit({ type: 'stream:closed', peer, conn: record.info!, stream: info, error })
    })
  }

  /** An inbound stream whose protocol was negotiated (seed 002 "Stream Handler Dispatch"). */
  #dispatch(record: ManagedConnection, reg: Registration, ps: ProtocolStream, conn: Connection): void {
    if (!record.added) {
      // Negotiated before the connection was announced: keep the event order
      // (connected before stream:opened) by dispatching right after the announcement.
      if (record.conn === undefined || conn.state === 'open') {
        const task = () => this.#dispatch(record, reg, ps, conn)
        if (record.pending.length === 0) record.pending = [task]
        else record.pending.push(task)
        return
      }
      ps.stream.destroy()
      return
    }
    if (
      reg.offer !== undefined &&
      this.#registry.match(ps.protocol, record.info!, record.offered) === undefined
    ) {
      ps.stream.destroy()
      return
    }
    if (record.count(record.inbound, reg.protocol) >= reg.maxInboundStreams) {
      record.failures++
      ps.stream.destroy(
        new SwitchError(
          'SWITCH_STREAM_LIMIT',
          `${reg.maxInboundStreams} inbound ${reg.protocol} streams are open on ${conn.id}`,
        ),
      )
      return
    }
    record.increment(record.inbound, reg.protocol)
    record.successes++
    this.#announce(record, ps, record.inbound, reg.protocol)
    try {
      reg.handler(ps, conn)
    } catch (err) {
      ps.stream.destroy(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
