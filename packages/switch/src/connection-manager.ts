/**
 * The switch's connection manager (seed 001 §4.1–4.2; seed 002 "Connection Pruning"):
 * protection tags, watermarks, pruning in the order of `prune-rank.ts`, and the
 * maintenance cycle (pings, inactivity, health grades, replacement of critical
 * connections). Policies are the pure functions of `prune-rank.ts` and `health.ts`;
 * this file applies them to the pool. Its one timer (maintenance) stops on `close()`.
 */
import type { Connection, PeerId } from '@switchyard/interface'
import type { ConnectionPool } from './connection-pool.js'
import type { ConnInfo } from './events.js'
import { type HealthGrade, type HealthInit, healthGrade } from './health.js'
import type { ManagedConnection } from './managed-connection.js'
import { type PruneCandidate, selectPruneVictims } from './prune-rank.js'
import type { SwitchContext } from './switch-context.js'

/** What `Switch.connectionStats` reports of one connection. */
export interface ConnectionStats {
  readonly info: ConnInfo
  readonly openedAt: number
  readonly lastActivityAt: number
  readonly streams: number
  readonly latencyMs: number | undefined
  /** Smoothed throughput of busy maintenance intervals, bytes/s; `undefined` before one. */
  readonly bytesPerSecond: number | undefined
  /** Wire bytes received so far (`Connection.bytesRead`), if the transport counts. */
  readonly bytesRead: number | undefined
  /** Wire bytes sent so far (`Connection.bytesWritten`), if the transport counts. */
  readonly bytesWritten: number | undefined
  readonly score: number
  readonly grade: HealthGrade
}

/** What the connection manager needs besides the pool. */
export interface ConnectionManagerInit {
  readonly health: HealthInit
  /** Measures a connection's round trip (`SwitchInit.ping`). */
  readonly ping: ((conn: Connection, options: { signal: AbortSignal }) => Promise<number>) | undefined
  /** Dials `peer` afresh, bypassing the pool (for replacing a degraded connection). */
  readonly dialFresh: (peer: PeerId) => Promise<Connection>
}

/** Protection, pruning and maintenance of one switch's connections. */
export class ConnectionManager {
  readonly #ctx: SwitchContext
  readonly #pool: ConnectionPool
  readonly #init: ConnectionManagerInit
  readonly #protected = new Map<string, Set<string>>()
  #maintenanceTimer: ReturnType<typeof setInterval> | undefined
  #pruneScheduled = false

  constructor(ctx: SwitchContext, pool: ConnectionPool, init: ConnectionManagerInit) {
    this.#ctx = ctx
    this.#pool = pool
    this.#init = init
    const c = ctx.config
    if (c.pingIntervalMs > 0 || c.inactivityTimeoutMs > 0) {
      this.#maintenanceTimer = setInterval(() => this.maintain(), c.maintenanceIntervalMs)
      this.#maintenanceTimer.unref?.()
    }
  }

  /** Stops the maintenance timer. */
  close(): void {
    if (this.#maintenanceTimer !== undefined) clearInterval(this.#maintenanceTimer)
    this.#maintenanceTimer = undefined
  }

  // ── Protection (go-libp2p connmgr `Protect`) ──────────────────────────────────

  protect(peer: PeerId, tag: string): void {
    const key = peer.toString()
    const tags = this.#protected.get(key) ?? new Set()
    tags.add(tag)
    this.#protected.set(key, tags)
  }

  unprotect(peer: PeerId, tag: string): boolean {
    const key = peer.toString()
    const tags = this.#protected.get(key)
    if (tags === undefined) return false
    tags.delete(tag)
    if (tags.size === 0) this.#protected.delete(key)
    return tags.size > 0
  }

  isProtected(peer: PeerId): boolean {
    return this.#protected.has(peer.toString())
  }

  // ── Pruning (seed 002 "Connection Pruning") ───────────────────────────────────

  /** Prunes on the next microtask (once, however often it is asked for before). */
  schedulePrune(): void {
    if (this.#pruneScheduled || this.#ctx.closed) return
    this.#pruneScheduled = true
    queueMicrotask(() => {
      this.#pruneScheduled = false
      this.prune()
    })
  }

  /** See `Switch.prune`. */
  prune(): number {
    if (this.#ctx.closed) return 0
    const { high, low } = this.#watermarks()
    const { total } = this.#pool.counts()
    let excess = total > high ? total - low : 0
    const rm = this.#ctx.resourceManager as Partial<{ connectionsToTrim(): number }>
    if (typeof rm.connectionsToTrim === 'function') excess = Math.max(excess, rm.connectionsToTrim())
    if (excess <= 0) return 0
    const victims = selectPruneVictims(this.#candidates(), excess, this.#rankOptions())
    for (const v of victims) {
      const r = this.#pool.find(v.id)
      if (r !== undefined) void this.#pool.close(r, 'resource-constraint')
    }
    return victims.length
  }

  /** Closes the least valuable connection to make room for an inbound one; false if none may go. */
  makeRoom(): boolean {
    const [victim] = selectPruneVictims(this.#candidates(), 1, this.#rankOptions())
    const record = victim === undefined ? undefined : this.#pool.find(victim.id)
    if (record === undefined) return false
    void this.#pool.close(record, 'resource-constraint')
    return true
  }

  #watermarks(): { high: number; low: number } {
    const c = this.#ctx.config
    const rm = this.#ctx.resourceManager as Partial<{ watermarks(): { highConns: number; lowConns: number } }>
    const fromRm = typeof rm.watermarks === 'function' ? rm.watermarks() : undefined
    const high =
      c.highWater ??
      Math.min(fromRm?.highConns ?? Number.POSITIVE_INFINITY, Math.floor(c.maxConnections * 0.9))
    const low =
      c.lowWater ?? Math.min(fromRm?.lowConns ?? Number.POSITIVE_INFINITY, Math.floor(c.maxConnections * 0.8))
    return { high, low: Math.min(low, high) }
  }

  #candidates(): PruneCandidate[] {
    const out: PruneCandidate[] = []
    for (const [key, list] of this.#pool.byPeer()) {
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
          streams: r.streamCount,
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
      for (const t of this.#ctx.peerstore.tags(peer).values()) sum += t.value
    } catch {
      // A closed peerstore: no importance known.
    }
    return sum
  }

  #rankOptions() {
    return { now: this.#ctx.now(), gracePeriodMs: this.#ctx.config.gracePeriodMs }
  }

  // ── Maintenance and health (seed 001 §4.2) ────────────────────────────────────

  /** See `Switch.maintain`. Also samples every connection's byte counters for its bandwidth score. */
  maintain(): void {
    const ctx = this.#ctx
    if (ctx.closed) return
    const now = ctx.now()
    const c = ctx.config
    for (const list of [...this.#pool.byPeer().values()]) {
      for (const r of [...list]) {
        if (!r.usable) continue
        r.sampleBandwidth(now, this.#init.health)
        if (
          c.inactivityTimeoutMs > 0 &&
          r.streamCount === 0 &&
          now - r.lastActivityAt >= c.inactivityTimeoutMs
        ) {
          void this.#pool.close(r, 'timeout')
          continue
        }
        if (c.pingIntervalMs > 0 && now - r.lastPingAt >= c.pingIntervalMs) this.#ping(r, now)
        if (
          c.replaceDegraded &&
          !r.degraded &&
          healthGrade(r.healthScore(this.#init.health)) === 'critical'
        ) {
          this.#replace(r)
        }
      }
    }
    this.prune()
  }

  /** Activity and health of one connection, or `undefined` if not ours. */
  stats(conn: Connection): ConnectionStats | undefined {
    const r = this.#pool.get(conn)
    if (r === undefined || r.info === undefined) return undefined
    const score = r.healthScore(this.#init.health)
    return {
      info: r.info,
      openedAt: r.openedAt,
      lastActivityAt: r.lastActivityAt,
      streams: r.streamCount,
      latencyMs: r.latencyMs,
      bytesPerSecond: r.bytesPerSecond,
      bytesRead: r.conn?.bytesRead,
      bytesWritten: r.conn?.bytesWritten,
      score,
      grade: healthGrade(score),
    }
  }

  #ping(r: ManagedConnection, now: number): void {
    const ctx = this.#ctx
    r.lastPingAt = now
    // One ping per connection at a time: a remote that never answers must not collect a
    // hung ping (a stream, listeners) per tick.
    if (r.pinging) return
    r.pinging = true
    // A signal of its own per ping: every ping of a tick on the one long-lived shutdown
    // signal would add one abort listener per connection to it.
    const { signal, done } = ctx.linkedSignal()
    // validateInit requires `ping` whenever pings are on.
    this.#init.ping!(r.conn!, { signal }).then(
      (rtt) => {
        done()
        r.pinging = false
        r.recordPing(rtt, ctx.now())
        ctx.safe(() => ctx.peerstore.recordLatency(r.remotePeer, rtt))
      },
      () => {
        done()
        r.pinging = false
        r.failures++
      },
    )
  }

  /** Dials a fresh connection for a degraded one; the degraded one closes once the new one is up. */
  #replace(r: ManagedConnection): void {
    r.degraded = true
    this.#init.dialFresh(r.remotePeer).then(
      (conn) => {
        const fresh = this.#pool.get(conn)
        if (fresh !== undefined && fresh !== r) this.#pool.adopt(fresh)
        else r.degraded = false
      },
      (err: unknown) => {
        r.degraded = false
        this.#ctx.reportError(err)
      },
    )
  }
}
