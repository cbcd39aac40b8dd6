/**
 * The switch's connections and their lifecycle (seed 002 "Connection Lifecycle",
 * "Connection Reuse", "Simultaneous Open"; seed 001 §4.3): upgraded connections are
 * tracked, then adopted (pool + `connected`; one connection per pair of peers), and
 * announced `disconnected` when they close, with the reason recorded in the peerstore.
 * Closing says goodbye per reason: graceful (GoAway normal, drain) bounded by
 * `goodbyeTimeoutMs`, or abrupt with the GoAway code of the reason.
 */
import { AddressTTL, type Connection, type DisconnectReason, type PeerId } from '@switchyard/interface'
import { classifyClose, goodbyeCode, goodbyeMode } from './disconnect.js'
import { SwitchError } from './errors.js'
import type { ManagedConnection } from './managed-connection.js'
import { preferredConnection } from './simultaneous-open.js'
import { P2P_CODE, type SwitchContext } from './switch-context.js'

/** What the pool tells the connection manager and the reconnect policy. */
export interface PoolHooks {
  /** `peer` got a connection announced (reconnects of it stop). */
  onConnected(peer: PeerId): void
  /** A connection was announced (pruning may be due). */
  onAdopted(): void
  /** `peer`'s last connection closed for `reason`, and the switch is not closing. */
  onPeerGone(peer: PeerId, reason: DisconnectReason): void
}

/** Open connections by peer, and every connection the switch holds until it closes. */
export class ConnectionPool {
  readonly #ctx: SwitchContext
  readonly #hooks: PoolHooks
  /** Open (announced) connections by peer string, oldest first. */
  readonly #byPeer = new Map<string, ManagedConnection[]>()
  /** Every connection the switch holds, announced or not, until it closes. */
  readonly #all = new Set<ManagedConnection>()
  readonly #byConn = new WeakMap<Connection, ManagedConnection>()
  /** Graceful closes in progress (each bounded by its goodbye timer). */
  readonly #goodbyes = new Set<Promise<void>>()
  /** Announced connections not yet closed, by direction (kept as they change: O(1) `counts()`). */
  #inbound = 0
  #outbound = 0

  constructor(ctx: SwitchContext, hooks: PoolHooks) {
    this.#ctx = ctx
    this.#hooks = hooks
  }

  /** The record of one of our connections. */
  get(conn: Connection): ManagedConnection | undefined {
    return this.#byConn.get(conn)
  }

  /** The announced connections of `peer`, oldest first (a copy). */
  recordsOf(peer: PeerId): ManagedConnection[] {
    return [...(this.#byPeer.get(peer.toString()) ?? [])]
  }

  /** The announced connections, by peer string (live lists: copy before closing any). */
  byPeer(): ReadonlyMap<string, readonly ManagedConnection[]> {
    return this.#byPeer
  }

  /** Open connections, of one peer or of all. */
  connections(peer?: PeerId): Connection[] {
    const lists = peer === undefined ? [...this.#byPeer.values()] : [this.#byPeer.get(peer.toString()) ?? []]
    const out: Connection[] = []
    for (const list of lists) for (const r of list) if (r.conn!.state === 'open') out.push(r.conn!)
    return out
  }

  /** Announced connections not yet closed, by direction. */
  counts(): { inbound: number; outbound: number; total: number } {
    // Every dial and every adoption asks: counted as connections are announced and close,
    // not by walking the pool (a listener holding 10,000 connections would walk them all).
    return { inbound: this.#inbound, outbound: this.#outbound, total: this.#inbound + this.#outbound }
  }

  /** The announced connection with `ConnInfo.id` `id`. */
  find(id: string): ManagedConnection | undefined {
    for (const list of this.#byPeer.values()) for (const r of list) if (r.info!.id === id) return r
    return undefined
  }

  /** The connection to use for `peer`: the oldest usable one (not degraded, unless `orDegraded`). */
  best(peer: PeerId, orDegraded = true): ManagedConnection | undefined {
    const list = this.#byPeer.get(peer.toString())
    if (list === undefined) return undefined
    for (const r of list) if (r.usable && !r.degraded) return r
    if (orDegraded) for (const r of list) if (r.usable) return r
    return undefined
  }

  /** Starts tracking an upgraded connection (not yet announced). */
  track(record: ManagedConnection, conn: Connection): void {
    record.attach(conn)
    this.#byConn.set(conn, record)
    this.#all.add(record)
    conn.onceClosed((err) => this.#onClosed(record, err))
    if (this.#ctx.closed) conn.abort(new SwitchError('SWITCH_CLOSED', 'the switch is closed'))
  }

  /**
   * Adds a connection to the pool and announces it (dial step 9, listen steps 7–8), then
   * applies the simultaneous-open rule against the peer's other connections. Returns the
   * connection to use for the peer. Idempotent.
   */
  adopt(record: ManagedConnection): ManagedConnection {
    const ctx = this.#ctx
    const conn = record.conn!
    const peer = conn.remotePeer
    if (!record.added) {
      if (conn.state !== 'open' || ctx.closed) return record
      record.added = true
      if (conn.direction === 'inbound') this.#inbound++
      else this.#outbound++
      record.openedAt = ctx.now()
      record.lastActivityAt = record.openedAt
      // The bandwidth baseline: handshake bytes are not throughput.
      record.sampleBandwidth(record.openedAt, this.#ctx.config.health)
      const key = peer.toString()
      const list = this.#byPeer.get(key) ?? []
      list.push(record)
      this.#byPeer.set(key, list)
      this.#hooks.onConnected(peer)
      this.#learnConnected(record)
      ctx.events.emit({ type: 'connected', peer, conn: record.info! })
      const pending = record.takePending()
      for (const dispatch of pending) dispatch()
      // Listen step 7 / seed 002 "Simultaneous Open": converge on one connection per peer.
      for (const other of list) {
        if (other === record || !other.usable || !record.usable) continue
        const keep = other.degraded ? record : preferredConnection(ctx.peerId, peer, other, record)
        if (keep === undefined) continue
        void this.close(keep === other ? record : other, 'network-restructure')
      }
      this.#hooks.onAdopted()
    }
    return this.best(peer) ?? record
  }

  /**
   * Closes one connection for `reason` (seed 001 §4.3): abrupt for protocol violations
   * and bans (GoAway with the reason's code), otherwise graceful (GoAway normal, drain)
   * and abrupt after `goodbyeTimeoutMs`. The first reason given is the one recorded.
   */
  close(record: ManagedConnection, reason: DisconnectReason): Promise<void> {
    const conn = record.conn!
    if (record.closeReason === undefined) record.closeReason = reason
    if (conn.state === 'closed') return Promise.resolve()
    if (goodbyeMode(reason) === 'abrupt') {
      conn.abort(new SwitchError('SWITCH_CLOSED', `connection closed: ${reason}`), {
        goodbye: goodbyeCode(reason),
      })
      return Promise.resolve()
    }
    const timeoutMs = this.#ctx.config.goodbyeTimeoutMs
    // Seed 001 §4.3: the goodbye (GoAway, drain) is bounded by a timeout, then abrupt.
    const timer = setTimeout(
      () => conn.abort(new SwitchError('SWITCH_CLOSED', `goodbye timed out after ${timeoutMs} ms`)),
      timeoutMs,
    )
    const done = conn.close().then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    )
    this.#goodbyes.add(done)
    void done.then(() => this.#goodbyes.delete(done))
    return done
  }

  /**
   * Closes every connection on switch close: announced ones gracefully (reason
   * `normal`), the ones still being adopted abruptly. Resolves when every goodbye ended.
   */
  async closeAll(): Promise<void> {
    const closes: Promise<void>[] = []
    for (const r of [...this.#all]) {
      if (r.added) closes.push(this.close(r, 'normal'))
      else r.conn?.abort(new SwitchError('SWITCH_CLOSED', 'the switch was closed'))
    }
    await Promise.all(closes)
    await Promise.all([...this.#goodbyes])
  }

  /** A connection closed (connection state `closed`): leave the pool, announce, record, reconnect. */
  #onClosed(record: ManagedConnection, err: Error | undefined): void {
    const ctx = this.#ctx
    this.#all.delete(record)
    const pending = record.takePending()
    for (const dispatch of pending) dispatch()
    if (!record.added) return
    const conn = record.conn!
    if (conn.direction === 'inbound') this.#inbound--
    else this.#outbound--
    const peer = conn.remotePeer
    const key = peer.toString()
    const list = this.#byPeer.get(key)
    if (list !== undefined) {
      const i = list.indexOf(record)
      if (i !== -1) list.splice(i, 1)
      if (list.length === 0) this.#byPeer.delete(key)
    }
    const reason = record.closeReason ?? classifyClose(err)
    // Streams the muxer has not reported closed yet are announced first (event order).
    for (const info of record.streams.values()) {
      ctx.events.emit({ type: 'stream:closed', peer, conn: record.info!, stream: info, error: err })
    }
    record.streams.clear()
    ctx.events.emit({ type: 'disconnected', peer, conn: record.info!, reason, error: err })
    if (this.#byPeer.has(key)) return
    // The peer's last connection: the peerstore learns why (seed 001 §4.3).
    ctx.safe(() => {
      ctx.peerstore.updateAddrs(peer, AddressTTL.connected, AddressTTL.recentlyConnected)
      ctx.peerstore.recordDisconnect(peer, reason)
    })
    if (!ctx.closed) this.#hooks.onPeerGone(peer, reason)
  }

  /** The peerstore learns a new connection's peer and (dialled) address. */
  #learnConnected(record: ManagedConnection): void {
    const conn = record.conn!
    const peerstore = this.#ctx.peerstore
    this.#ctx.safe(() => {
      if (conn.direction === 'outbound') {
        // An inbound connection's remote address is an ephemeral port, not a dialable one.
        peerstore.addAddrs(conn.remotePeer, [conn.remoteAddr.decapsulateCode(P2P_CODE)], AddressTTL.connected)
      }
      peerstore.recordConnect(conn.remotePeer)
    })
  }
}
