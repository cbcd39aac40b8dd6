/**
 * The persistent `Peerstore` on SQLite (better-sqlite3).
 *
 * Design (see README.md "Why sync, why write-behind"):
 * - The working set is a `MemoryPeerstore` (this class extends it), loaded from
 *   the file when opened. Every read, the dial hot path (`addrs()`) included, is
 *   served from memory and never touches the disk.
 * - Every change marks the peer and the part of its record that changed (a bit
 *   mask per peer); `flushIntervalMs` after the first unflushed change, all
 *   marked parts are written in ONE transaction with prepared statements.
 *   `flush()` and `close()` write at once.
 * - On open: the file is checked (`quick_check`), migrated, then loaded. What
 *   expired while the node was down is dropped (and deleted on the next flush);
 *   `connected` addresses become `recentlyConnected`, since no connection
 *   survives a restart, so the switch can redial known peers at once.
 */
import {
  type AbortOptions,
  AddressTTL,
  type DisconnectReason,
  type PeerField,
  type PeerId,
  PeerstoreError,
  throwIfAborted,
} from '@switchyard/interface'
import { AddrEntry, addrKey, MemoryPeerstore, PeerEntry } from '@switchyard/peerstore-memory'
import type Database from 'better-sqlite3'
import { type SqlitePeerstoreConfig, type SqlitePeerstoreInit, validateInit } from './config.js'
import { isMultiaddrBytes } from './multiaddr-bytes.js'
import { mapSqliteError, openDatabase } from './schema.js'
import { StoredPeerId } from './stored-peer-id.js'

// Which rows a change dirties.
const PEER_ROW = 1
const ADDRESSES = 2
const PROTOCOLS = 4
const METADATA = 8
const TAGS = 16
const ALL = PEER_ROW | ADDRESSES | PROTOCOLS | METADATA | TAGS

const FIELD_BITS: Readonly<Record<PeerField, number>> = {
  addresses: ADDRESSES,
  dialStats: ADDRESSES,
  publicKey: PEER_ROW,
  latency: PEER_ROW,
  connection: PEER_ROW,
  protocols: PROTOCOLS,
  metadata: METADATA,
  tags: TAGS,
}

const REASONS: ReadonlySet<string> = new Set<DisconnectReason>([
  'normal',
  'timeout',
  'protocol-violation',
  'resource-constraint',
  'peer-banned',
  'network-restructure',
  'transport-error',
])

type Statements = ReturnType<typeof prepare>

function prepare(db: Database.Database) {
  return {
    upsertPeer: db.prepare(
      `INSERT INTO peers (id, id_bytes, public_key, latency_ms, last_connected_at, last_disconnected_at, disconnect_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, latency_ms = excluded.latency_ms,
         last_connected_at = excluded.last_connected_at, last_disconnected_at = excluded.last_disconnected_at,
         disconnect_reason = excluded.disconnect_reason`,
    ),
    deletePeer: db.prepare('DELETE FROM peers WHERE id = ?'),
    deleteAddrs: db.prepare('DELETE FROM addresses WHERE peer = ?'),
    insertAddr: db.prepare(
      `INSERT INTO addresses (peer, addr, ttl_ms, expires_at, successes, failures, consecutive_failures,
         last_success_at, last_failure_at, last_error_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteProtocols: db.prepare('DELETE FROM protocols WHERE peer = ?'),
    insertProtocol: db.prepare('INSERT INTO protocols (peer, position, protocol) VALUES (?, ?, ?)'),
    deleteMetadata: db.prepare('DELETE FROM metadata WHERE peer = ?'),
    insertMetadata: db.prepare('INSERT INTO metadata (peer, key, value) VALUES (?, ?, ?)'),
    deleteTags: db.prepare('DELETE FROM tags WHERE peer = ?'),
    insertTag: db.prepare('INSERT INTO tags (peer, name, value, expires_at) VALUES (?, ?, ?, ?)'),
    // Byte columns read often are read as hex text: a Buffer per row (its own ArrayBuffer)
    // costs more than the row itself in allocation and GC when loading 100,000 peers.
    selectPeers: db
      .prepare(
        `SELECT id, hex(id_bytes), public_key, latency_ms, last_connected_at, last_disconnected_at,
           disconnect_reason FROM peers`,
      )
      .raw(),
    selectAddrs: db
      .prepare(
        `SELECT peer, hex(addr), ttl_ms, expires_at, successes, failures, consecutive_failures,
           last_success_at, last_failure_at, last_error_code FROM addresses`,
      )
      .raw(),
    selectProtocols: db.prepare('SELECT peer, protocol FROM protocols ORDER BY peer, position').raw(),
    selectMetadata: db.prepare('SELECT peer, key, value FROM metadata').raw(),
    selectTags: db.prepare('SELECT peer, name, value, expires_at FROM tags').raw(),
  }
}

/** A peerstore persisted in a SQLite file, with an in-memory working set and batched writes. */
export class SqlitePeerstore extends MemoryPeerstore {
  private readonly sql: SqlitePeerstoreConfig
  private readonly db: Database.Database
  private readonly stmts: Statements
  private readonly writeBatch: (batch: Map<string, number>) => void
  /** Peers with unflushed changes -> which of their rows to rewrite. Bounded by `maxPeers` (+ removed ones). */
  private dirty = new Map<string, number>()
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private dbClosed = false

  /** Opens (creating or migrating) the file and loads it; throws a `PeerstoreError` for an unusable file. */
  constructor(init: SqlitePeerstoreInit) {
    const config = validateInit(init)
    super(config.memory)
    this.sql = config
    try {
      this.db = openDatabase(config.path, config)
    } catch (err) {
      this.stopTimers()
      throw err
    }
    try {
      this.stmts = prepare(this.db)
      this.writeBatch = this.db.transaction((batch: Map<string, number>) => {
        for (const [key, bits] of batch) this.writePeer(key, bits)
      })
      this.load()
    } catch (err) {
      this.stopTimers()
      this.db.close()
      this.dbClosed = true
      throw mapSqliteError(err, `cannot load ${config.path}`)
    }
  }

  /** How many peers have changes not yet written to the file. */
  get pendingPeers(): number {
    return this.dirty.size
  }

  /**
   * Writes every pending change now, in one transaction. Throws a `PeerstoreError`
   * (`PEERSTORE_IO`, `PEERSTORE_CORRUPT`, …) and nothing else; the changes then stay pending.
   */
  flushSync(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.dirty.size === 0 || this.dbClosed) return
    const batch = this.dirty
    this.dirty = new Map()
    try {
      this.writeBatch(batch)
    } catch (err) {
      // Keep the changes (merged with any made since) so that the next flush retries them.
      for (const [key, bits] of batch) this.dirty.set(key, (this.dirty.get(key) ?? 0) | bits)
      const mapped = mapSqliteError(err, `flush to ${this.sql.path} failed`)
      throw PeerstoreError.is(mapped)
        ? mapped
        : new PeerstoreError('PEERSTORE_IO', `flush to ${this.sql.path} failed`, { cause: err })
    }
  }

  override async flush(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.flushSync()
  }

  override async close(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    if (this.dbClosed) return
    this.stopTimers()
    let failure: unknown
    try {
      this.flushSync()
    } catch (err) {
      failure = err
    }
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.db.close()
    this.dbClosed = true
    // The file is closed either way; the caller learns that the last changes were not written.
    if (failure !== undefined) throw failure
  }

  protected override changed(entry: PeerEntry, field: PeerField): void {
    this.dirty.set(entry.key, (this.dirty.get(entry.key) ?? 0) | FIELD_BITS[field])
    this.schedule()
  }

  protected override removed(entry: PeerEntry): void {
    // ALL: if the peer comes back before the flush, every table is rewritten (no stale rows).
    this.dirty.set(entry.key, ALL)
    this.schedule()
  }

  private schedule(): void {
    if (this.flushTimer !== undefined || this.dbClosed) return
    // Not unref'd: pending writes keep the process alive for at most one interval, so they reach the file.
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      try {
        this.flushSync()
      } catch (err) {
        // Not rescheduled: the next change, flush() or close() retries.
        this.sql.onError(err as PeerstoreError)
      }
    }, this.sql.flushIntervalMs)
  }

  /** Rewrites the parts `bits` of one peer (or deletes it when it is gone from memory). Runs inside the batch transaction. */
  private writePeer(key: string, bits: number): void {
    const s = this.stmts
    const e = this.entries.get(key)
    if (e === undefined) {
      s.deletePeer.run(key)
      s.deleteAddrs.run(key)
      s.deleteProtocols.run(key)
      s.deleteMetadata.run(key)
      s.deleteTags.run(key)
      return
    }
    // The peer row is always upserted: it is what makes the peer exist in the file.
    s.upsertPeer.run(
      key,
      e.id.bytes,
      e.publicKey ?? null,
      e.latencyMs ?? null,
      e.lastConnectedAt ?? null,
      e.lastDisconnectedAt ?? null,
      e.lastDisconnectReason ?? null,
    )
    if ((bits & ADDRESSES) !== 0) {
      s.deleteAddrs.run(key)
      for (const a of e.addrs.values()) {
        const st = a.stats
        s.insertAddr.run(
          key,
          a.bytes,
          a.ttlMs,
          a.expiresAt === Number.POSITIVE_INFINITY ? null : a.expiresAt,
          st.successes,
          st.failures,
          st.consecutiveFailures,
          st.lastSuccessAt ?? null,
          st.lastFailureAt ?? null,
          st.lastErrorCode ?? null,
        )
      }
    }
    if ((bits & PROTOCOLS) !== 0) {
      s.deleteProtocols.run(key)
      let i = 0
      for (const p of e.protocols) s.insertProtocol.run(key, i++, p)
    }
    if ((bits & METADATA) !== 0) {
      s.deleteMetadata.run(key)
      for (const [k, v] of e.metadata) s.insertMetadata.run(key, k, v)
    }
    if ((bits & TAGS) !== 0) {
      s.deleteTags.run(key)
      for (const [name, t] of e.tags) {
        s.insertTag.run(key, name, t.value, t.expiresAt === Number.POSITIVE_INFINITY ? null : t.expiresAt)
      }
    }
  }

  /** Reads the whole file into memory; an undecodable row is `PEERSTORE_CORRUPT`, never skipped. */
  private load(): void {
    const s = this.stmts
    const now = this.config.now()
    const path = this.sql.path
    const byKey = new Map<string, PeerEntry>()
    const corrupt = (what: string, cause?: unknown) =>
      new PeerstoreError('PEERSTORE_CORRUPT', `${path}: ${what}`, cause === undefined ? undefined : { cause })
    const owner = (peer: unknown, table: string): PeerEntry => {
      const e = typeof peer === 'string' ? byKey.get(peer) : undefined
      if (e === undefined) throw corrupt(`${table} row of unknown peer ${String(peer)}`)
      return e
    }

    for (const row of s.selectPeers.all() as unknown[][]) {
      const [id, idBytes, publicKey, latency, connectedAt, disconnectedAt, reason] = row
      if (typeof id !== 'string' || typeof idBytes !== 'string') throw corrupt('peer row without id')
      if (reason !== null && !REASONS.has(reason as string))
        throw corrupt(`peer ${id}: bad disconnect reason`)
      let peerId: PeerId
      try {
        peerId = this.sql.peerIdFromString?.(id) ?? StoredPeerId.fromHex(idBytes, id)
      } catch (err) {
        throw corrupt(`peer id ${id} does not parse`, err)
      }
      const e = new PeerEntry(id, peerId)
      e.publicKey = publicKey instanceof Uint8Array ? new Uint8Array(publicKey) : undefined
      e.latencyMs = optionalNumber(latency)
      e.lastConnectedAt = optionalNumber(connectedAt)
      e.lastDisconnectedAt = optionalNumber(disconnectedAt)
      e.lastDisconnectReason = (reason ?? undefined) as DisconnectReason | undefined
      byKey.set(id, e)
    }

    // Peers whose connected addresses are demoted below must be written back.
    const demoted: PeerEntry[] = []
    for (const row of s.selectAddrs.all() as unknown[][]) {
      const [peer, addr, ttlMs, expiresAt, successes, failures, consecutive, lastOk, lastFail, lastCode] = row
      const e = owner(peer, 'address')
      if (typeof addr !== 'string' || typeof ttlMs !== 'number')
        throw corrupt(`peer ${e.key}: bad address row`)
      // Checked structurally here; the Multiaddr object is built on first use (AddrEntry).
      // Buffer.from(hex) of a small value is a slice of Node's pool: no ArrayBuffer of its own.
      const bytes = Buffer.from(addr, 'hex')
      if (!isMultiaddrBytes(bytes)) throw corrupt(`peer ${e.key}: address does not decode`)
      let ttl = ttlMs
      let exp = expiresAt === null ? Number.POSITIVE_INFINITY : (expiresAt as number)
      if (ttl === AddressTTL.connected) {
        // No connection survives a restart (go-libp2p demotes on disconnect the same way).
        ttl = AddressTTL.recentlyConnected
        exp = now + AddressTTL.recentlyConnected
        if (demoted.at(-1) !== e) demoted.push(e)
      }
      const a = new AddrEntry(undefined, addrKey(bytes), ttl, exp)
      if (successes !== 0 || failures !== 0) {
        // Never-dialled addresses keep the shared empty stats (no object per address).
        const st = a.dialStats()
        st.successes = successes as number
        st.failures = failures as number
        st.consecutiveFailures = consecutive as number
        st.lastSuccessAt = optionalNumber(lastOk)
        st.lastFailureAt = optionalNumber(lastFail)
        st.lastErrorCode = typeof lastCode === 'string' ? lastCode : undefined
      }
      e.ownAddrs().set(a.key, a)
    }
    for (const [peer, protocol] of s.selectProtocols.all() as unknown[][]) {
      const e = owner(peer, 'protocol')
      if (typeof protocol !== 'string') throw corrupt(`peer ${e.key}: bad protocol row`)
      e.ownProtocols().add(this.intern(protocol))
    }
    for (const [peer, key, value] of s.selectMetadata.all() as unknown[][]) {
      const e = owner(peer, 'metadata')
      if (typeof key !== 'string' || !(value instanceof Uint8Array))
        throw corrupt(`peer ${e.key}: bad metadata row`)
      e.ownMetadata().set(key, new Uint8Array(value))
    }
    for (const [peer, name, value, expiresAt] of s.selectTags.all() as unknown[][]) {
      const e = owner(peer, 'tag')
      if (typeof name !== 'string' || typeof value !== 'number') throw corrupt(`peer ${e.key}: bad tag row`)
      e.ownTags().set(name, {
        value,
        expiresAt: expiresAt === null ? Number.POSITIVE_INFINITY : (expiresAt as number),
      })
    }

    for (const e of byKey.values()) this.loadEntry(e)
    for (const e of demoted) this.changed(e, 'addresses')
    // Drops what expired while the node was down; the deletions reach the file with the next flush.
    this.gc()
  }
}

/** Opens the SQLite peerstore at `init.path`. */
export function openSqlitePeerstore(init: SqlitePeerstoreInit): SqlitePeerstore {
  return new SqlitePeerstore(init)
}

function optionalNumber(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined
}
