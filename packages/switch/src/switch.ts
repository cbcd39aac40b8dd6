/**
 * The switch (seed 002 "Switch as Central Coordinator"): it owns the transports and
 * listeners, drives dials through `@switchyard/dialer` and upgrades through
 * `@switchyard/upgrader`, keeps the connection pool, dispatches inbound streams to the
 * protocol registry, and emits lifecycle events. It coordinates only: ranking, backoff,
 * gating policy, accounting, negotiation and the pruning/health/reconnect policies live
 * in their own packages and files.
 *
 * This class is the façade; each concern is one file:
 * - `listen-flow.ts`: seed 002 "Listen Flow" (listeners, accept gate, inbound limits);
 * - `dial-flow.ts`: seed 002 "Dial Flow" (the dialer's callbacks, outbound limits);
 * - `stream-flow.ts`: outbound streams and inbound dispatch (registry, stream limits);
 * - `connection-pool.ts`: tracking, adoption, simultaneous open, goodbyes;
 * - `connection-manager.ts`: protection, pruning, maintenance, health (seed 001 §4.1–4.2);
 * - `keep-alive.ts`: keep-alive peers and reconnection (seed 001 §4.3).
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type AbortOptions,
  ALLOW,
  type Connection,
  type ConnectionGater,
  type DisconnectReason,
  type NewStreamOptions,
  type PeerId,
  type Peerstore,
  type ProtocolStream,
  type ResourceManager,
  type StreamHandler,
  throwIfAborted,
} from '@switchyard/interface'
import { createMemoryPeerstore } from '@switchyard/peerstore-memory'
import { createResourceManager } from '@switchyard/resource-scopes'
import { createUpgrader } from '@switchyard/upgrader'
import { type SwitchInit, validateInit } from './config.js'
import { ConnectionManager, type ConnectionStats } from './connection-manager.js'
import { ConnectionPool } from './connection-pool.js'
import { DialFlow, type SwitchDialOptions, type SwitchDialTarget } from './dial-flow.js'
import { SwitchError } from './errors.js'
import { SwitchEvents, type SwitchEventType, type SwitchListener } from './events.js'
import { KeepAlive } from './keep-alive.js'
import { ListenFlow } from './listen-flow.js'
import type { HandleOptions } from './protocol-registry.js'
import { type OpenStreamOptions, StreamFlow } from './stream-flow.js'
import { SwitchContext } from './switch-context.js'

/** Creates a switch. Call `listen()` to accept connections and `close()` to release everything. */
export function createSwitch(init: SwitchInit): Switch {
  return new Switch(init)
}

/** The switch. See the module comment and README. */
export class Switch {
  readonly peerId: PeerId
  readonly peerstore: Peerstore
  readonly resourceManager: ResourceManager
  readonly #ctx: SwitchContext
  readonly #ownsPeerstore: boolean
  readonly #pool: ConnectionPool
  readonly #manager: ConnectionManager
  readonly #keepAlive: KeepAlive
  readonly #dials: DialFlow
  readonly #listens: ListenFlow
  readonly #streams: StreamFlow
  #closing: Promise<void> | undefined

  constructor(init: SwitchInit) {
    const config = validateInit(init)
    this.peerId = init.peerId
    this.#ownsPeerstore = init.peerstore === undefined
    this.peerstore = init.peerstore ?? createMemoryPeerstore()
    this.resourceManager =
      init.resourceManager ??
      createResourceManager({
        onPressure: (e) =>
          e.level === 'high' ? this.#manager.schedulePrune() : this.#keepAlive.resourcesFreed(),
      })
    const ctx = new SwitchContext({
      peerId: init.peerId,
      config,
      peerstore: this.peerstore,
      resourceManager: this.resourceManager,
      events: new SwitchEvents((err) => ctx.reportError(err)),
      now: init.now ?? Date.now,
      onError: init.onError,
    })
    this.#ctx = ctx
    this.#pool = new ConnectionPool(ctx, {
      onConnected: (peer) => this.#keepAlive.connected(peer),
      onAdopted: () => this.#manager.schedulePrune(),
      onPeerGone: (peer, reason) => {
        this.#keepAlive.schedule(peer, reason)
        this.#keepAlive.resourcesFreed()
      },
    })
    const transports = [...init.transports]
    const gater = init.gater ?? {}
    // The accept gate runs in the listen flow (step 4, before the resource check of
    // step 5); the upgrader runs the secured and upgraded gates.
    const upgrader =
      init.upgrader ??
      createUpgrader({
        localPeer: init.peerId,
        security: init.security!,
        muxers: init.muxers!,
        gater: {
          interceptSecured: (c) => gater.interceptSecured?.(c) ?? ALLOW,
          interceptUpgraded: (c) => gater.interceptUpgraded?.(c) ?? ALLOW,
        } satisfies ConnectionGater,
        upgradeTimeoutMs: config.handshakeTimeoutMs,
      })
    const lookupFor = (record: Parameters<StreamFlow['lookupFor']>[0]) => this.#streams.lookupFor(record)
    this.#dials = new DialFlow(ctx, this.#pool, {
      transports,
      gater,
      upgrader,
      dialer: init.dialer,
      lookupFor,
      listenAddrs: () => this.listenAddrs,
    })
    this.#streams = new StreamFlow(ctx, this.#pool, (target, options) => this.#dials.dial(target, options))
    this.#keepAlive = new KeepAlive(ctx, this.#pool, (peer, options) => this.#dials.dial(peer, options))
    this.#manager = new ConnectionManager(ctx, this.#pool, {
      health: config.health,
      ping: init.ping,
      dialFresh: (peer) => this.#dials.dialFresh(peer),
    })
    this.#listens = new ListenFlow(ctx, this.#pool, this.#manager, { transports, gater, upgrader, lookupFor })
  }

  /** The addresses we listen on (ports resolved). */
  get listenAddrs(): Multiaddr[] {
    return this.#listens.addrs
  }

  /** True after `close()` was called. */
  get closed(): boolean {
    return this.#ctx.closed
  }

  /** Subscribe to an event (see `SwitchEvent`); returns the function that unsubscribes. */
  on<T extends SwitchEventType>(type: T, listener: SwitchListener<T>): () => void {
    return this.#ctx.events.on(type, listener)
  }

  // ── Listening (listen-flow.ts) ───────────────────────────────────────────────

  /** Listens on `addrs` (seed 002 "Listen Flow" 1–3). Returns the bound addresses. */
  listen(
    addrs: string | Multiaddr | readonly (string | Multiaddr)[],
    options: AbortOptions = {},
  ): Promise<Multiaddr[]> {
    return this.#listens.listen(addrs, options)
  }

  /** Stops listening on `addr` (connections already accepted stay). */
  unlisten(addr: Multiaddr, options: AbortOptions = {}): Promise<void> {
    return this.#listens.unlisten(addr, options)
  }

  // ── Dialing (dial-flow.ts) ───────────────────────────────────────────────────

  /**
   * Returns a connection to the target: an open one from the pool, or a new one dialled
   * through the dialer (dedupe, backoff, gating, ranking; seed 002 "Dial Flow").
   */
  dial(target: SwitchDialTarget, options: SwitchDialOptions = {}): Promise<Connection> {
    return this.#dials.dial(target, options)
  }

  // ── Streams (stream-flow.ts) ─────────────────────────────────────────────────

  /**
   * Opens a stream to `peer` for one of `protocols` (seed 002 "Outbound Streams"): reuse
   * or dial a connection, open a muxer stream, negotiate. A refusal of every protocol
   * (`na`) rejects with `SWITCH_PROTOCOL_NOT_SUPPORTED`.
   */
  openStream(
    target: SwitchDialTarget,
    protocols: string | readonly string[],
    options: OpenStreamOptions = {},
  ): Promise<ProtocolStream> {
    return this.#streams.openStream(target, protocols, options)
  }

  /** Opens a stream on one connection of the switch (counted, announced, limited). */
  async newStream(
    conn: Connection,
    protocols: string | readonly string[],
    options: NewStreamOptions = {},
  ): Promise<ProtocolStream> {
    return this.#streams.newStream(conn, protocols, options)
  }

  /**
   * Registers `handler` for inbound streams of `protocol` (seed 002 "Registering
   * Protocol Handlers"): exact match, optional semver match, per-protocol stream
   * limits, and an optional per-connection `offer` predicate.
   */
  handle(protocol: string, handler: StreamHandler, options: HandleOptions = {}): void {
    this.#ctx.checkOpen()
    this.#streams.registry.add(protocol, handler, options)
  }

  /** Unregisters `protocol`; later proposals of it get `na`. Returns true if it was registered. */
  unhandle(protocol: string): boolean {
    return this.#streams.registry.remove(protocol)
  }

  /** The registered protocols. */
  protocols(): string[] {
    return this.#streams.registry.protocols()
  }

  /**
   * Restricts the protocols offered on one connection to `protocols` (`undefined`:
   * everything registered again). Takes effect for the next proposal (seed 000: a node
   * MAY add or revoke protocols on a connection at any time).
   */
  setConnectionProtocols(conn: Connection, protocols: Iterable<string> | undefined): void {
    this.#streams.setConnectionProtocols(conn, protocols)
  }

  /** The protocols offered on one connection right now. */
  connectionProtocols(conn: Connection): string[] {
    return this.#streams.connectionProtocols(conn)
  }

  // ── Connections (connection-pool.ts, connection-manager.ts) ──────────────────

  /** Open connections, of one peer or of all. */
  connections(peer?: PeerId): Connection[] {
    return this.#pool.connections(peer)
  }

  /** Activity and health of one connection (seed 001 §4.2), or `undefined` if not ours. */
  connectionStats(conn: Connection): ConnectionStats | undefined {
    return this.#manager.stats(conn)
  }

  /**
   * Closes every connection to `peer` (or one connection) for `reason` (seed 001 §4.3):
   * a graceful goodbye (GoAway normal, drain) bounded by `goodbyeTimeoutMs`, or an
   * abrupt close for protocol violations and bans, whose GoAway carries the reason's
   * code (`goodbyeCode`). The reason is recorded in the peerstore.
   */
  async hangUp(
    target: PeerId | Connection,
    reason: DisconnectReason = 'normal',
    options: AbortOptions = {},
  ): Promise<void> {
    throwIfAborted(options.signal)
    const records =
      'newStream' in target
        ? [this.#pool.get(target)].filter((r) => r !== undefined)
        : this.#pool.recordsOf(target)
    await Promise.all(records.map((r) => this.#pool.close(r, reason)))
  }

  /** Protects `peer`'s connections from pruning under `tag` (go-libp2p connmgr `Protect`). */
  protect(peer: PeerId, tag: string): void {
    this.#manager.protect(peer, tag)
  }

  /** Removes one protection; returns true while the peer is still protected by another tag. */
  unprotect(peer: PeerId, tag: string): boolean {
    return this.#manager.unprotect(peer, tag)
  }

  /** True when `peer` is protected from pruning. */
  isProtected(peer: PeerId): boolean {
    return this.#manager.isProtected(peer)
  }

  /**
   * Prunes now (seed 002 "Connection Pruning"): above the high watermark, or when the
   * resource manager reports pressure, closes the least valuable connections
   * (see prune-rank.ts) down to the low watermark. Returns how many it closes.
   */
  prune(): number {
    return this.#manager.prune()
  }

  /**
   * One maintenance cycle (seed 001 §4.2), run every `maintenanceIntervalMs` when pings
   * or the inactivity timeout are on: ping connections due for it, close inactive ones
   * (`timeout`), sample every connection's byte counters for its bandwidth score,
   * replace a `critical` one when the peer can be dialled again, prune.
   */
  maintain(): void {
    this.#manager.maintain()
  }

  // ── Keep-alive (keep-alive.ts) ───────────────────────────────────────────────

  /**
   * Marks `peer` keep-alive (a peerstore tag, so a persistent store remembers it across
   * restarts): its connections are reconnected per disconnect reason, and `start()`
   * dials it.
   */
  setKeepAlive(peer: PeerId, keepAlive: boolean): void {
    this.#keepAlive.set(peer, keepAlive)
  }

  /** True when `peer` is marked keep-alive. */
  isKeepAlive(peer: PeerId): boolean {
    return this.#keepAlive.has(peer)
  }

  /**
   * Dials every keep-alive peer of the peerstore (after a restart with a persistent
   * store). Resolves when every dial settled; failures go to `onError` and to reconnect.
   */
  async start(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.#ctx.checkOpen()
    await this.#keepAlive.start(options)
  }

  // ── Closing ──────────────────────────────────────────────────────────────────

  /**
   * Closes everything: listeners, dials and upgrades in progress, every connection
   * (gracefully, bounded by `goodbyeTimeoutMs`), timers, and the peerstore if the
   * switch created it. Afterwards every resource scope is back to zero. Idempotent.
   */
  close(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    const ctx = this.#ctx
    ctx.markClosed()
    this.#manager.close()
    this.#keepAlive.close()
    this.#dials.close()
    ctx.shutdown.abort(new SwitchError('SWITCH_CLOSED', 'the switch was closed'))
    await this.#listens.close()
    await this.#pool.closeAll()
    if (this.#ownsPeerstore) await this.peerstore.close()
    ctx.events.clear()
  }
}
