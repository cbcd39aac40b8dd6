/**
 * The switch (seed 002 "Switch as Central Coordinator"): it owns the transports and
 * listeners, drives dials through `@switchyard/dialer` and upgrades through
 * `@switchyard/upgrader`, keeps the connection pool, dispatches inbound streams to the
 * protocol registry, and emits lifecycle events. It coordinates only: ranking, backoff,
 * gating policy, accounting, negotiation and the pruning/health/reconnect policies live
 * in their own packages and files.
 *
 * Dial flow (seed 002 "Dial Flow"): 1 pool lookup → 2 addresses (explicit + peerstore)
 * → 3 backoff → 4 gater (peer, then each address) → 5 limits and resource scope →
 * 6 transport by multiaddr → 7 ranked, staggered attempts → 8 upgrade, cancel the rest
 * → 9 pool + `connected`. Steps 2–4 and 6–8 run in the dialer, with the switch's callbacks.
 *
 * Listen flow (seed 002 "Listen Flow"): 1 transport by multiaddr → 2 bind → 3 accept →
 * 4 gater (accept) → 5 limits and resource scope → 6 upgrade as responder (secured and
 * upgraded gates) → 7 duplicate check (simultaneous-open rule) → 8 pool + `connected`,
 * inbound streams dispatched.
 */
import { isMultiaddr, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createDialer, type Dialer } from '@switchyard/dialer'
import {
  type AbortOptions,
  AddressTTL,
  ALLOW,
  type Connection,
  type ConnectionGater,
  type ConnectionResourceScope,
  type DisconnectReason,
  type Listener,
  type NewStreamOptions,
  type PeerId,
  type Peerstore,
  type ProtocolStream,
  type RawConnection,
  type ResourceManager,
  type StreamHandler,
  SwitchyardError,
  type Transport,
  throwIfAborted,
} from '@switchyard/interface'
import { peerIdFromString } from '@switchyard/peer-id'
import { createMemoryPeerstore } from '@switchyard/peerstore-memory'
import { createResourceManager } from '@switchyard/resource-scopes'
import { createUpgrader, type Upgrader } from '@switchyard/upgrader'
import { KEEP_ALIVE_TAG, type SwitchConfig, type SwitchInit, validateInit } from './config.js'
import { classifyClose, goodbyeMode, reconnectDelayMs, reconnectStrategy } from './disconnect.js'
import { SwitchError } from './errors.js'
import { type ConnInfo, SwitchEvents, type SwitchEventType, type SwitchListener } from './events.js'
import { type HealthGrade, type HealthInit, healthGrade } from './health.js'
import { ManagedConnection } from './managed-connection.js'
import { type HandleOptions, ProtocolRegistry, type Registration } from './protocol-registry.js'
import { type PruneCandidate, selectPruneVictims } from './prune-rank.js'
import { preferredConnection } from './simultaneous-open.js'

/** Options of `Switch.openStream`. */
export interface OpenStreamOptions extends NewStreamOptions {
  /** Addresses to dial when there is no connection (added to the peerstore's). */
  addrs?: readonly Multiaddr[]
}

/** Options of `Switch.dial`. */
export interface SwitchDialOptions extends AbortOptions {
  /** Ignore dial backoff (a user asked explicitly). Default false. */
  force?: boolean
  /** Queue priority when the dial limit is reached. */
  priority?: number
}

/** What `Switch.connectionStats` reports of one connection. */
export interface ConnectionStats {
  readonly info: ConnInfo
  readonly openedAt: number
  readonly lastActivityAt: number
  readonly streams: number
  readonly latencyMs: number | undefined
  readonly score: number
  readonly grade: HealthGrade
}

/** A dial target: a peer, an address (with or without `/p2p/<id>`), or several addresses of one peer. */
export type SwitchDialTarget = PeerId | Multiaddr | readonly Multiaddr[]

/** Creates a switch. Call `listen()` to accept connections and `close()` to release everything. */
export function createSwitch(init: SwitchInit): Switch {
  return new Switch(init)
}

const P2P_CODE = 421

/** The switch. See the module comment and README. */
export class Switch {
  readonly peerId: PeerId
  readonly peerstore: Peerstore
  readonly resourceManager: ResourceManager
  readonly #config: SwitchConfig
  readonly #init: SwitchInit
  readonly #transports: readonly Transport[]
  readonly #gater: ConnectionGater
  readonly #upgrader: Upgrader
  readonly #dialer: Dialer<Connection>
  readonly #registry = new ProtocolRegistry()
  readonly #events: SwitchEvents
  readonly #now: () => number
  readonly #ownsPeerstore: boolean
  readonly #health: HealthInit
  /** Open (announced) connections by peer string, oldest first. */
  readonly #pool = new Map<string, ManagedConnection[]>()
  /** Every connection the switch holds, announced or not, until it closes. */
  readonly #all = new Set<ManagedConnection>()
  readonly #byConn = new WeakMap<Connection, ManagedConnection>()
  readonly #listeners = new Set<Listener>()
  readonly #protected = new Map<string, Set<string>>()
  readonly #reconnectTimers = new Map<string, ReturnType<typeof setTimeout>>()
  readonly #reconnectAttempts = new Map<string, number>()
  /** Keep-alive peers waiting for resources to free up (seed 001 `AfterResourcesAvailable`). */
  readonly #waitingForResources = new Map<string, PeerId>()
  readonly #goodbyes = new Set<Promise<void>>()
  /** Aborts every dial and upgrade in progress when the switch closes. */
  readonly #shutdown = new AbortController()
  #maintenanceTimer: ReturnType<typeof setInterval> | undefined
  #pendingInbound = 0
  #pendingOutbound = 0
  #pruneScheduled = false
  #closing: Promise<void> | undefined

  constructor(init: SwitchInit) {
    this.#config = validateInit(init)
    this.#init = init
    this.peerId = init.peerId
    this.#transports = [...init.transports]
    this.#now = init.now ?? Date.now
    this.#health = init.health ?? {}
    this.#events = new SwitchEvents((err) => this.#reportError(err))
    this.#gater = init.gater ?? {}
    this.#ownsPeerstore = init.peerstore === undefined
    this.peerstore = init.peerstore ?? createMemoryPeerstore()
    this.resourceManager =
      init.resourceManager ??
      createResourceManager({
        onPressure: (e) => (e.level === 'high' ? this.#schedulePrune() : this.#resourcesFreed()),
      })
    // The accept gate runs in the switch (listen step 4, before the resource check of
    // step 5); the upgrader runs the secured and upgraded gates.
    const gater = this.#gater
    const upgradeGater: ConnectionGater = {
      interceptSecured: (c) => gater.interceptSecured?.(c) ?? ALLOW,
      interceptUpgraded: (c) => gater.interceptUpgraded?.(c) ?? ALLOW,
    }
    this.#upgrader =
      init.upgrader ??
      createUpgrader({
        localPeer: init.peerId,
        security: init.security!,
        muxers: init.muxers!,
        gater: upgradeGater,
        upgradeTimeoutMs: this.#config.handshakeTimeoutMs,
      })
    const peerstore = this.peerstore
    this.#dialer = createDialer<Connection>({
      ...init.dialer,
      localPeer: init.peerId,
      gater,
      dialAddress: (addr, { signal, peer }) => this.#dialAddress(addr, signal, peer),
      closeConnection: (conn) => conn.abort(new SwitchError('SWITCH_CLOSED', 'lost the dial race')),
      existingConnection: (peer) => this.#best(peer, false)?.conn,
      addressesOf: (peer) => peerstore.addrs(peer),
      recordDial: (peer, addr, outcome) => peerstore.recordDial(peer, addr, outcome),
      canDial: (addr) => this.#transports.some((t) => t.canDial(addr)),
      listenAddresses: () => this.listenAddrs,
    })
    if (this.#config.pingIntervalMs > 0 || this.#config.inactivityTimeoutMs > 0) {
      this.#maintenanceTimer = setInterval(() => this.maintain(), this.#config.maintenanceIntervalMs)
      this.#maintenanceTimer.unref?.()
    }
  }

  /** The addresses we listen on (ports resolved). */
  get listenAddrs(): Multiaddr[] {
    return [...this.#listeners].map((l) => l.addr)
  }

  /** True after `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined
  }

  /** Subscribe to an event (see `SwitchEvent`); returns the function that unsubscribes. */
  on<T extends SwitchEventType>(type: T, listener: SwitchListener<T>): () => void {
    return this.#events.on(type, listener)
  }

  // ── Listening ────────────────────────────────────────────────────────────────

  /** Listens on `addrs` (seed 002 "Listen Flow" 1–3). Returns the bound addresses. */
  async listen(
    addrs: string | Multiaddr | readonly (string | Multiaddr)[],
    options: AbortOptions = {},
  ): Promise<Multiaddr[]> {
    throwIfAborted(options.signal)
    this.#checkOpen()
    const list = (Array.isArray(addrs) ? addrs : [addrs]).map((a) =>
      typeof a === 'string' ? multiaddr(a) : a,
    )
    const bound: Multiaddr[] = []
    for (const addr of list) {
      // Step 1: the transport for the address.
      const transport = this.#transports.find((t) => t.canListen(addr))
      if (transport === undefined) {
        throw new SwitchError('SWITCH_NO_TRANSPORT', `no transport can listen on ${addr.toString()}`)
      }
      // Steps 2–3: bind; the transport runs the accept loop and calls back per connection.
      let listener: Listener | undefined
      listener = await transport.listen(
        addr,
        {
          onConnection: (raw) => this.#onInbound(raw, transport),
          onError: (err) => {
            if (listener !== undefined && this.#listeners.delete(listener)) {
              this.#events.emit({ type: 'listen:close', addr: listener.addr, error: err })
            }
          },
        },
        options,
      )
      if (this.closed) {
        await listener.close()
        throw new SwitchError('SWITCH_CLOSED', 'the switch was closed')
      }
      this.#listeners.add(listener)
      bound.push(listener.addr)
      this.#events.emit({ type: 'listen', addr: listener.addr })
    }
    return bound
  }

  /** Stops listening on `addr` (connections already accepted stay). */
  async unlisten(addr: Multiaddr, options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    for (const l of this.#listeners) {
      if (l.addr.equals(addr)) await this.#closeListener(l)
    }
  }

  async #closeListener(listener: Listener): Promise<void> {
    if (!this.#listeners.delete(listener)) return
    let error: Error | undefined
    try {
      await listener.close()
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err))
    }
    this.#events.emit({ type: 'listen:close', addr: listener.addr, error })
  }

  /** One accepted raw connection (listen steps 4–8). The switch owns it from here. */
  #onInbound(raw: RawConnection, transport: Transport): void {
    if (this.closed) {
      raw.destroy(new SwitchError('SWITCH_CLOSED', 'the switch is closed'))
      return
    }
    // Step 4: the accept gate (only the addresses are known).
    const verdict = this.#gater.interceptAccept?.({ remoteAddr: raw.remoteAddr, localAddr: raw.localAddr })
    if (verdict !== undefined && !verdict.allow) {
      raw.destroy()
      return
    }
    // Step 5: connection limits (seed 001 §4.1), then the resource scope.
    const refusal = this.#inboundRefusal()
    if (refusal !== undefined) {
      raw.destroy(refusal)
      return
    }
    let scope: ConnectionResourceScope
    try {
      scope = this.resourceManager.openConnection('inbound', raw.remoteAddr, { useFd: usesFd(transport) })
    } catch (err) {
      raw.destroy(err instanceof Error ? err : undefined)
      return
    }
    // Step 6: upgrade as the responder; step 7–8 in #adopt.
    const record = new ManagedConnection(this.#now())
    this.#pendingInbound++
    this.#upgrader
      .upgradeInbound(raw, {
        scope,
        protocols: this.#lookupFor(record),
        signal: this.#shutdown.signal,
      })
      .then(
        (conn) => {
          this.#pendingInbound--
          this.#track(record, conn)
          this.#adopt(record)
        },
        (err: unknown) => {
          this.#pendingInbound--
          // A failed upgrade has released the raw connection and the scope; nobody waits for it.
          if (!this.closed) this.#reportError(err)
        },
      )
  }

  /** Why a new inbound connection must be refused now, if it must. */
  #inboundRefusal(): SwitchError | undefined {
    const c = this.#config
    if (this.#pendingInbound >= c.maxPendingInbound) {
      return new SwitchError(
        'SWITCH_TOO_MANY_PENDING',
        `${this.#pendingInbound} inbound connections are upgrading`,
      )
    }
    const { inbound, total } = this.#counts()
    if (inbound >= c.maxInboundConnections) {
      return new SwitchError('SWITCH_CONNECTION_LIMIT', `${inbound} inbound connections are open`)
    }
    if (total >= c.maxConnections) {
      // Seed 002 "Connection Pruning": close the least valuable connection before accepting.
      const [victim] = selectPruneVictims(this.#pruneCandidates(), 1, this.#pruneOptions())
      const record = victim === undefined ? undefined : this.#findRecord(victim.id)
      if (record === undefined)
        return new SwitchError('SWITCH_CONNECTION_LIMIT', `${total} connections are open`)
      this.#closeRecord(record, 'resource-constraint')
    }
    return undefined
  }

  // ── Dialing ──────────────────────────────────────────────────────────────────

  /**
   * Returns a connection to the target: an open one from the pool, or a new one dialled
   * through the dialer (dedupe, backoff, gating, ranking; seed 002 "Dial Flow").
   */
  async dial(target: SwitchDialTarget, options: SwitchDialOptions = {}): Promise<Connection> {
    throwIfAborted(options.signal)
    this.#checkOpen()
    const { peer, addrs } = parseTarget(target)
    // Step 1: reuse (seed 002 "Connection Reuse").
    if (peer !== undefined) {
      const existing = this.#best(peer)
      if (existing !== undefined) return existing.conn!
    }
    // Step 5 (limits; the resource scope is opened per attempt in #dialAddress).
    const { outbound, total } = this.#counts()
    if (
      outbound + this.#pendingOutbound >= this.#config.maxOutboundConnections ||
      total >= this.#config.maxConnections
    ) {
      throw new SwitchError('SWITCH_CONNECTION_LIMIT', `${total} connections (${outbound} outbound) are open`)
    }
    const conn = await this.#dialer.dial(
      { peer, addrs },
      {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.force === undefined ? {} : { force: options.force }),
        ...(options.priority === undefined ? {} : { priority: options.priority }),
      },
    )
    const record = this.#byConn.get(conn)
    if (record === undefined) return conn
    // Step 9 (callers that joined a deduplicated dial adopt the same record once).
    return this.#adopt(record).conn!
  }

  /** One address attempt, for the dialer: resource scope → transport dial → outbound upgrade (steps 5–8). */
  async #dialAddress(addr: Multiaddr, signal: AbortSignal, peer: PeerId | undefined): Promise<Connection> {
    this.#checkOpen()
    const transport = this.#transports.find((t) => t.canDial(addr))
    if (transport === undefined)
      throw new SwitchError('SWITCH_NO_TRANSPORT', `no transport can dial ${addr.toString()}`)
    const scope = this.resourceManager.openConnection('outbound', addr, { useFd: usesFd(transport) })
    const both = AbortSignal.any([signal, this.#shutdown.signal])
    const record = new ManagedConnection(this.#now())
    this.#pendingOutbound++
    try {
      let raw: RawConnection
      try {
        raw = await transport.dial(addr, { signal: both })
      } catch (err) {
        scope.done()
        throw err
      }
      const conn = await this.#upgrader.upgradeOutbound(raw, {
        scope,
        protocols: this.#lookupFor(record),
        signal: both,
        ...(peer === undefined ? {} : { remotePeer: peer }),
      })
      this.#track(record, conn)
      return conn
    } finally {
      this.#pendingOutbound--
    }
  }

  /** Starts tracking an upgraded connection (not yet announced). */
  #track(record: ManagedConnection, conn: Connection): void {
    record.attach(conn)
    this.#byConn.set(conn, record)
    this.#all.add(record)
    conn.onceClosed((err) => this.#onClosed(record, err))
    if (this.closed) conn.abort(new SwitchError('SWITCH_CLOSED', 'the switch is closed'))
  }

  /**
   * Adds a connection to the pool and announces it (dial step 9, listen steps 7–8), then
   * applies the simultaneous-open rule against the peer's other connections. Returns the
   * connection to use for the peer. Idempotent.
   */
  #adopt(record: ManagedConnection): ManagedConnection {
    const conn = record.conn!
    const peer = conn.remotePeer
    if (!record.added) {
      if (conn.state !== 'open' || this.closed) return record
      record.added = true
      record.openedAt = this.#now()
      record.lastActivityAt = record.openedAt
      const key = peer.toString()
      const list = this.#pool.get(key) ?? []
      list.push(record)
      this.#pool.set(key, list)
      this.#reconnectAttempts.delete(key)
      this.#cancelReconnect(key)
      this.#learnConnected(record)
      this.#events.emit({ type: 'connected', peer, conn: record.info! })
      const pending = record.pending
      record.pending = []
      for (const dispatch of pending) dispatch()
      // Listen step 7 / seed 002 "Simultaneous Open": converge on one connection per peer.
      for (const other of list) {
        if (other === record || !other.usable || !record.usable) continue
        const keep = other.degraded ? record : preferredConnection(this.peerId, peer, other, record)
        this.#closeRecord(keep === other ? record : other, 'network-restructure')
      }
      this.#schedulePrune()
    }
    return this.#best(peer) ?? record
  }

  /** The connection to use for `peer`: the oldest usable one. */
  #best(peer: PeerId, orDegraded = true): ManagedConnection | undefined {
    const list = this.#pool.get(peer.toString())
    if (list === undefined) return undefined
    for (const r of list) if (r.usable && !r.degraded) return r
    if (orDegraded) for (const r of list) if (r.usable) return r
    return undefined
  }

  // ── Streams ──────────────────────────────────────────────────────────────────

  /**
   * Opens a stream to `peer` for one of `protocols` (seed 002 "Outbound Streams"): reuse
   * or dial a connection, open a muxer stream, negotiate. A refusal of every protocol
   * (`na`) rejects with `SWITCH_PROTOCOL_NOT_SUPPORTED`.
   */
  async openStream(
    target: SwitchDialTarget,
    protocols: string | readonly string[],
    options: OpenStreamOptions = {},
  ): Promise<ProtocolStream> {
    throwIfAborted(options.signal)
    const list = typeof protocols === 'string' ? [protocols] : [...protocols]
    if (list.length === 0 || list.some((p) => typeof p !== 'string' || p.length === 0)) {
      throw new TypeError('openStream needs at least one non-empty protocol id')
    }
    let dialTarget = target
    if (options.addrs !== undefined && !Array.isArray(target) && isPeerId(target)) {
      this.peerstore.addAddrs(target as PeerId, options.addrs, AddressTTL.temporary)
    } else if (options.addrs !== undefined) dialTarget = options.addrs
    const conn = await this.dial(dialTarget, options.signal === undefined ? {} : { signal: options.signal })
    const record = this.#byConn.get(conn)
    if (record === undefined) return conn.newStream(list, options)
    return this.#newStream(record, list, options)
  }

  /** Opens a stream on one connection of the switch (counted, announced, limited). */
  async newStream(
    conn: Connection,
    protocols: string | readonly string[],
    options: NewStreamOptions = {},
  ): Promise<ProtocolStream> {
    const record = this.#byConn.get(conn)
    if (record === undefined) throw new TypeError('not a connection of this switch')
    const list = typeof protocols === 'string' ? [protocols] : [...protocols]
    return this.#newStream(record, list, options)
  }

  async #newStream(
    record: ManagedConnection,
    list: string[],
    options: NewStreamOptions,
  ): Promise<ProtocolStream> {
    const conn = record.conn!
    // A per-protocol outbound limit is known before negotiating when one protocol is asked.
    const reserved = list.length === 1 ? this.#outboundLimitKey(list[0]!) : undefined
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
    try {
      ps = await conn.newStream(list, options)
    } catch (err) {
      if (reserved !== undefined) record.decrement(record.outbound, reserved.key)
      record.failures++
      if (SwitchyardError.is(err, 'MULTISTREAM_PROTOCOL_REJECTED')) {
        throw new SwitchError(
          'SWITCH_PROTOCOL_NOT_SUPPORTED',
          `${conn.remotePeer.toString()} supports none of ${list.join(', ')}`,
          {
            cause: err,
          },
        )
      }
      throw err
    }
    let key = reserved?.key
    if (key === undefined) {
      const limit = this.#outboundLimitKey(ps.protocol)
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
    // The remote confirmed the protocol: the peerstore learns it (seed 002 events → peer metadata).
    this.#safe(() => this.peerstore.addProtocols(conn.remotePeer, [ps.protocol]))
    this.#announceStream(record, ps, record.outbound, key)
    return ps
  }

  #outboundLimitKey(protocol: string): { key: string; max: number } {
    const reg = this.#registry.resolve(protocol)
    return reg === undefined ? { key: protocol, max: 64 } : { key: reg.protocol, max: reg.maxOutboundStreams }
  }

  /** Announces a stream and counts it until it closes. */
  #announceStream(
    record: ManagedConnection,
    ps: ProtocolStream,
    counts: Map<string, number>,
    key: string,
  ): void {
    const info = { id: ps.id, protocol: ps.protocol, direction: ps.direction }
    const streamKey = `${ps.direction}:${ps.id}`
    record.lastActivityAt = this.#now()
    record.streams.set(streamKey, info)
    const peer = record.remotePeer
    this.#events.emit({ type: 'stream:opened', peer, conn: record.info!, stream: info })
    ps.stream.onceClosed((error) => {
      record.decrement(counts, key)
      if (!record.streams.delete(streamKey)) return
      this.#events.emit({ type: 'stream:closed', peer, conn: record.info!, stream: info, error })
    })
  }

  /**
   * Registers `handler` for inbound streams of `protocol` (seed 002 "Registering
   * Protocol Handlers"): exact match, optional semver match, per-protocol stream
   * limits, and an optional per-connection `offer` predicate.
   */
  handle(protocol: string, handler: StreamHandler, options: HandleOptions = {}): void {
    this.#checkOpen()
    this.#registry.add(protocol, handler, options)
  }

  /** Unregisters `protocol`; later proposals of it get `na`. Returns true if it was registered. */
  unhandle(protocol: string): boolean {
    return this.#registry.remove(protocol)
  }

  /** The registered protocols. */
  protocols(): string[] {
    return this.#registry.protocols()
  }

  /**
   * Restricts the protocols offered on one connection to `protocols` (`undefined`:
   * everything registered again). Takes effect for the next proposal (seed 000: a node
   * MAY add or revoke protocols on a connection at any time).
   */
  setConnectionProtocols(conn: Connection, protocols: Iterable<string> | undefined): void {
    const record = this.#byConn.get(conn)
    if (record === undefined) throw new TypeError('not a connection of this switch')
    record.offered = protocols === undefined ? undefined : new Set(protocols)
  }

  /** The protocols offered on one connection right now. */
  connectionProtocols(conn: Connection): string[] {
    const record = this.#byConn.get(conn)
    if (record === undefined) throw new TypeError('not a connection of this switch')
    return this.#registry
      .protocols()
      .filter((p) => this.#registry.match(p, record.info!, record.offered) !== undefined)
  }

  /** The per-connection protocol lookup handed to the upgrader for one connection. */
  #lookupFor(record: ManagedConnection) {
    return (protocol: string): StreamHandler | undefined => {
      const reg = this.#registry.match(protocol, record.info, record.offered)
      return reg === undefined ? undefined : (ps, conn) => this.#dispatch(record, reg, ps, conn)
    }
  }

  /** An inbound stream whose protocol was negotiated (seed 002 "Stream Handler Dispatch"). */
  #dispatch(record: ManagedConnection, reg: Registration, ps: ProtocolStream, conn: Connection): void {
    if (!record.added) {
      // Negotiated before the connection was announced: keep the event order
      // (connected before stream:opened) by dispatching right after the announcement.
      if (record.conn === undefined || conn.state === 'open') {
        record.pending.push(() => this.#dispatch(record, reg, ps, conn))
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
    this.#announceStream(record, ps, record.inbound, reg.protocol)
    try {
      reg.handler(ps, conn)
    } catch (err) {
      ps.stream.destroy(err instanceof Error ? err : new Error(String(err)))
    }
  }

  // ── Connections ──────────────────────────────────────────────────────────────

  /** Open connections, of one peer or of all. */
  connections(peer?: PeerId): Connection[] {
    const lists = peer === undefined ? [...this.#pool.values()] : [this.#pool.get(peer.toString()) ?? []]
    const out: Connection[] = []
    for (const list of lists) for (const r of list) if (r.conn!.state === 'open') out.push(r.conn!)
    return out
  }

  /** Activity and health of one connection (seed 001 §4.2), or `undefined` if not ours. */
  connectionStats(conn: Connection): ConnectionStats | undefined {
    const r = this.#byConn.get(conn)
    if (r === undefined || r.info === undefined) return undefined
    const score = r.healthScore(this.#health)
    return {
      info: r.info,
      openedAt: r.openedAt,
      lastActivityAt: r.lastActivityAt,
      streams: r.streams.size,
      latencyMs: r.latencyMs,
      score,
      grade: healthGrade(score),
    }
  }

  /**
   * Closes every connection to `peer` (or one connection) for `reason` (seed 001 §4.3):
   * a graceful goodbye (GoAway, drain) bounded by `goodbyeTimeoutMs`, or an abrupt
   * close for protocol violations and bans. The reason is recorded in the peerstore.
   */
  async hangUp(
    target: PeerId | Connection,
    reason: DisconnectReason = 'normal',
    options: AbortOptions = {},
  ): Promise<void> {
    throwIfAborted(options.signal)
    const records =
      'newStream' in target
        ? [this.#byConn.get(target)].filter((r): r is ManagedConnection => r !== undefined)
        : [...(this.#pool.get(target.toString()) ?? [])]
    await Promise.all(records.map((r) => this.#closeRecord(r, reason)))
  }

  /** Protects `peer`'s connections from pruning under `tag` (go-libp2p connmgr `Protect`). */
  protect(peer: PeerId, tag: string): void {
    const key = peer.toString()
    const tags = this.#protected.get(key) ?? new Set()
    tags.add(tag)
    this.#protected.set(key, tags)
  }

  /** Removes one protection; returns true while the peer is still protected by another tag. */
  unprotect(peer: PeerId, tag: string): boolean {
    const key = peer.toString()
    const tags = this.#protected.get(key)
    if (tags === undefined) return false
    tags.delete(tag)
    if (tags.size === 0) this.#protected.delete(key)
    return tags.size > 0
  }

  /** True when `peer` is protected from pruning. */
  isProtected(peer: PeerId): boolean {
    return this.#protected.has(peer.toString())
  }

  /**
   * Marks `peer` keep-alive (a peerstore tag, so a persistent store remembers it across
   * restarts): its connections are reconnected per disconnect reason, and `start()`
   * dials it.
   */
  setKeepAlive(peer: PeerId, keepAlive: boolean): void {
    if (keepAlive) this.peerstore.tag(peer, KEEP_ALIVE_TAG, { value: 50 })
    else {
      this.peerstore.untag(peer, KEEP_ALIVE_TAG)
      this.#cancelReconnect(peer.toString())
      this.#waitingForResources.delete(peer.toString())
    }
  }

  /** True when `peer` is marked keep-alive. */
  isKeepAlive(peer: PeerId): boolean {
    return this.peerstore.tags(peer).has(KEEP_ALIVE_TAG)
  }

  /**
   * Dials every keep-alive peer of the peerstore (after a restart with a persistent
   * store). Resolves when every dial settled; failures go to `onError` and to reconnect.
   */
  async start(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.#checkOpen()
    const peers = this.peerstore.peers().filter((p) => this.isKeepAlive(p))
    await Promise.all(
      peers.map((p) =>
        this.dial(p, options).then(
          () => {},
          (err: unknown) => {
            this.#reportError(err)
            this.#scheduleReconnect(p, 'timeout')
          },
        ),
      ),
    )
  }

  #closeRecord(record: ManagedConnection, reason: DisconnectReason): Promise<void> {
    const conn = record.conn!
    if (record.closeReason === undefined) record.closeReason = reason
    if (conn.state === 'closed') return Promise.resolve()
    if (goodbyeMode(reason) === 'abrupt') {
      conn.abort(new SwitchError('SWITCH_CLOSED', `connection closed: ${reason}`))
      return Promise.resolve()
    }
    // Seed 001 §4.3: the goodbye (GoAway, drain) is bounded by a timeout, then abrupt.
    const timer = setTimeout(
      () =>
        conn.abort(
          new SwitchError('SWITCH_CLOSED', `goodbye timed out after ${this.#config.goodbyeTimeoutMs} ms`),
        ),
      this.#config.goodbyeTimeoutMs,
    )
    const done = conn.close().then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    )
    this.#goodbyes.add(done)
    void done.then(() => this.#goodbyes.delete(done))
    return done
  }

  /** A connection closed (connection state `closed`): leave the pool, announce, record, reconnect. */
  #onClosed(record: ManagedConnection, err: Error | undefined): void {
    this.#all.delete(record)
    const pending = record.pending
    record.pending = []
    for (const dispatch of pending) dispatch()
    if (!record.added) return
    const conn = record.conn!
    const peer = conn.remotePeer
    const key = peer.toString()
    const list = this.#pool.get(key)
    if (list !== undefined) {
      const i = list.indexOf(record)
      if (i !== -1) list.splice(i, 1)
      if (list.length === 0) this.#pool.delete(key)
    }
    const reason = record.closeReason ?? classifyClose(err)
    // Streams the muxer has not reported closed yet are announced first (event order).
    for (const info of record.streams.values()) {
      this.#events.emit({ type: 'stream:closed', peer, conn: record.info!, stream: info, error: err })
    }
    record.streams.clear()
    this.#events.emit({ type: 'disconnected', peer, conn: record.info!, reason, error: err })
    if (this.#pool.has(key)) return
    // The peer's last connection: the peerstore learns why (seed 001 §4.3).
    this.#safe(() => {
      this.peerstore.updateAddrs(peer, AddressTTL.connected, AddressTTL.recentlyConnected)
      this.peerstore.recordDisconnect(peer, reason)
    })
    if (!this.closed) {
      this.#scheduleReconnect(peer, reason)
      this.#resourcesFreed()
    }
  }

  /** The peerstore learns a new connection's peer and (dialled) address. */
  #learnConnected(record: ManagedConnection): void {
    const conn = record.conn!
    this.#safe(() => {
      if (conn.direction === 'outbound') {
        // An inbound connection's remote address is an ephemeral port, not a dialable one.
        this.peerstore.addAddrs(
          conn.remotePeer,
          [conn.remoteAddr.decapsulateCode(P2P_CODE)],
          AddressTTL.connected,
        )
      }
      this.peerstore.recordConnect(conn.remotePeer)
    })
  }

  // ── Reconnect (seed 001 §4.3) ────────────────────────────────────────────────

  #scheduleReconnect(peer: PeerId, reason: DisconnectReason): void {
    const key = peer.toString()
    if (this.closed || !this.#safeKeepAlive(peer) || this.#reconnectTimers.has(key)) return
    const strategy = reconnectStrategy(reason, this.#config.reconnect)
    if (strategy.kind === 'never') return
    if (strategy.kind === 'when-resources-free') {
      this.#waitingForResources.set(key, peer)
      return
    }
    const attempt = this.#reconnectAttempts.get(key) ?? 0
    if (attempt >= this.#config.reconnect.maxAttempts) return
    this.#reconnectAttempts.set(key, attempt + 1)
    const delay = reconnectDelayMs(strategy, attempt) ?? 0
    const timer = setTimeout(() => {
      this.#reconnectTimers.delete(key)
      if (this.closed || this.#best(peer) !== undefined) return
      this.dial(peer, { force: true }).catch((err: unknown) => {
        if (this.closed) return
        this.#reportError(err)
        this.#scheduleReconnect(peer, 'timeout')
      })
    }, delay)
    timer.unref?.()
    this.#reconnectTimers.set(key, timer)
  }

  #cancelReconnect(key: string): void {
    const timer = this.#reconnectTimers.get(key)
    if (timer === undefined) return
    clearTimeout(timer)
    this.#reconnectTimers.delete(key)
  }

  /** Resources were freed: keep-alive peers that waited for them are reconnected. */
  #resourcesFreed(): void {
    if (this.#waitingForResources.size === 0 || this.closed) return
    const peers = [...this.#waitingForResources.values()]
    this.#waitingForResources.clear()
    for (const p of peers) this.#scheduleReconnect(p, 'normal')
  }

  #safeKeepAlive(peer: PeerId): boolean {
    try {
      return this.isKeepAlive(peer)
    } catch {
      return false
    }
  }

  // ── Connection management: pruning and maintenance (seeds 001, 002) ───────────

  #counts(): { inbound: number; outbound: number; total: number } {
    let inbound = 0
    let outbound = 0
    for (const list of this.#pool.values()) {
      for (const r of list) {
        if (r.conn!.state === 'closed') continue
        if (r.conn!.direction === 'inbound') inbound++
        else outbound++
      }
    }
    return { inbound, outbound, total: inbound + outbound }
  }

  #watermarks(): { high: number; low: number } {
    const c = this.#config
    const rm = this.resourceManager as Partial<{ watermarks(): { highConns: number; lowConns: number } }>
    const fromRm = typeof rm.watermarks === 'function' ? rm.watermarks() : undefined
    const high =
      c.highWater ??
      Math.min(fromRm?.highConns ?? Number.POSITIVE_INFINITY, Math.floor(c.maxConnections * 0.9))
    const low =
      c.lowWater ?? Math.min(fromRm?.lowConns ?? Number.POSITIVE_INFINITY, Math.floor(c.maxConnections * 0.8))
    return { high, low: Math.min(low, high) }
  }

  #pruneCandidates(): PruneCandidate[] {
    const out: PruneCandidate[] = []
    for (const [key, list] of this.#pool) {
      let tagValue = 0
      const isProtected = this.#protected.has(key)
      for (const r of list) {
        if (!r.usable) continue
        if (tagValue === 0) tagValue = this.#tagValue(r.remotePeer)
        out.push({
          id: r.info!.id,
          peer: key,
          direction: r.info!.direction,
          openedAt: r.openedAt,
          lastActivityAt: r.lastActivityAt,
          streams: r.streams.size,
          tagValue,
          protected: isProtected,
        })
      }
    }
    return out
  }

  #tagValue(peer: PeerId): number {
    let sum = 0
    try {
      for (const t of this.peerstore.tags(peer).values()) sum += t.value
    } catch {
      // A closed peerstore: no importance known.
    }
    return sum
  }

  #pruneOptions() {
    return { now: this.#now(), gracePeriodMs: this.#config.gracePeriodMs }
  }

  #findRecord(id: string): ManagedConnection | undefined {
    for (const list of this.#pool.values()) for (const r of list) if (r.info!.id === id) return r
    return undefined
  }

  #schedulePrune(): void {
    if (this.#pruneScheduled || this.closed) return
    this.#pruneScheduled = true
    queueMicrotask(() => {
      this.#pruneScheduled = false
      this.prune()
    })
  }

  /**
   * Prunes now (seed 002 "Connection Pruning"): above the high watermark, or when the
   * resource manager reports pressure, closes the least valuable connections
   * (see prune-rank.ts) down to the low watermark. Returns how many it closes.
   */
  prune(): number {
    if (this.closed) return 0
    const { high, low } = this.#watermarks()
    const { total } = this.#counts()
    let excess = total > high ? total - low : 0
    const rm = this.resourceManager as Partial<{ connectionsToTrim(): number }>
    if (typeof rm.connectionsToTrim === 'function') excess = Math.max(excess, rm.connectionsToTrim())
    if (excess <= 0) return 0
    const victims = selectPruneVictims(this.#pruneCandidates(), excess, this.#pruneOptions())
    for (const v of victims) {
      const r = this.#findRecord(v.id)
      if (r !== undefined) void this.#closeRecord(r, 'resource-constraint')
    }
    return victims.length
  }

  /**
   * One maintenance cycle (seed 001 §4.2), run every `maintenanceIntervalMs` when pings
   * or the inactivity timeout are on: ping connections due for it, close inactive ones
   * (`timeout`), replace a `critical` one when the peer can be dialled again, prune.
   */
  maintain(): void {
    if (this.closed) return
    const now = this.#now()
    const c = this.#config
    for (const list of [...this.#pool.values()]) {
      for (const r of [...list]) {
        if (!r.usable) continue
        if (
          c.inactivityTimeoutMs > 0 &&
          r.streams.size === 0 &&
          now - r.lastActivityAt >= c.inactivityTimeoutMs
        ) {
          void this.#closeRecord(r, 'timeout')
          continue
        }
        if (c.pingIntervalMs > 0 && now - r.lastPingAt >= c.pingIntervalMs) this.#ping(r, now)
        if (c.replaceDegraded && !r.degraded && healthGrade(r.healthScore(this.#health)) === 'critical') {
          this.#replace(r)
        }
      }
    }
    this.prune()
  }

  #ping(r: ManagedConnection, now: number): void {
    r.lastPingAt = now
    const ping = this.#init.ping!
    const signal = AbortSignal.any([this.#shutdown.signal])
    ping(r.conn!, { signal }).then(
      (rtt) => {
        r.recordPing(rtt, this.#now())
        this.#safe(() => this.peerstore.recordLatency(r.remotePeer, rtt))
      },
      () => {
        r.failures++
      },
    )
  }

  /** Dials a fresh connection for a degraded one; the degraded one closes once the new one is up. */
  #replace(r: ManagedConnection): void {
    r.degraded = true
    // Straight to the dialer: the pool would hand back the degraded connection.
    this.#dialer.dial({ peer: r.remotePeer }, { force: true }).then(
      (conn) => {
        const fresh = this.#byConn.get(conn)
        if (fresh !== undefined && fresh !== r) this.#adopt(fresh)
        else r.degraded = false
      },
      (err: unknown) => {
        r.degraded = false
        this.#reportError(err)
      },
    )
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
    if (this.#maintenanceTimer !== undefined) clearInterval(this.#maintenanceTimer)
    for (const key of [...this.#reconnectTimers.keys()]) this.#cancelReconnect(key)
    this.#waitingForResources.clear()
    this.#dialer.close()
    this.#shutdown.abort(new SwitchError('SWITCH_CLOSED', 'the switch was closed'))
    await Promise.all([...this.#listeners].map((l) => this.#closeListener(l)))
    const closes: Promise<void>[] = []
    for (const r of [...this.#all]) {
      if (r.added) closes.push(this.#closeRecord(r, 'normal'))
      else r.conn?.abort(new SwitchError('SWITCH_CLOSED', 'the switch was closed'))
    }
    await Promise.all(closes)
    await Promise.all([...this.#goodbyes])
    if (this.#ownsPeerstore) await this.peerstore.close()
    this.#events.clear()
  }

  #checkOpen(): void {
    if (this.closed) throw new SwitchError('SWITCH_CLOSED', 'the switch is closed')
  }

  #safe(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.#reportError(err)
    }
  }

  #reportError(err: unknown): void {
    try {
      this.#init.onError?.(err)
    } catch {
      // onError must not throw; if it does, there is nobody left to tell.
    }
  }
}

function usesFd(transport: Transport): boolean {
  return transport.name !== 'memory'
}

function isPeerId(x: unknown): boolean {
  return (
    !isMultiaddr(x) &&
    typeof x === 'object' &&
    x !== null &&
    (x as PeerId).bytes instanceof Uint8Array &&
    typeof (x as PeerId).equals === 'function'
  )
}

/** Splits a dial target into a peer and explicit addresses (`/p2p/<id>` names the peer). */
function parseTarget(target: SwitchDialTarget): { peer: PeerId | undefined; addrs: Multiaddr[] } {
  if (Array.isArray(target)) {
    const addrs = target as Multiaddr[]
    return { peer: addrs.map(peerOfAddr).find((p) => p !== undefined), addrs }
  }
  if (isPeerId(target)) return { peer: target as PeerId, addrs: [] }
  const addr = target as Multiaddr
  if (typeof addr?.getComponents !== 'function')
    throw new TypeError('dial target must be a PeerId or a Multiaddr')
  return { peer: peerOfAddr(addr), addrs: [addr] }
}

function peerOfAddr(addr: Multiaddr): PeerId | undefined {
  const p2p = addr.getComponents().findLast((c) => c.code === P2P_CODE)
  return p2p?.value === undefined ? undefined : peerIdFromString(p2p.value)
}
