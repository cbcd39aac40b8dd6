/**
 * The in-memory `Peerstore`: the default store, and the working set of
 * `@switchyard/peerstore-sqlite`, which extends it with write-behind persistence
 * through the `changed` / `removed` hooks.
 *
 * Semantics follow go-libp2p's `pstoremem` (address TTLs, `AddAddrs` never
 * shortening a TTL, `SetAddrs`/`UpdateAddrs`), with caps per peer and in total so
 * that a hostile peer cannot grow the store without bound (see `config.ts`).
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type AbortOptions,
  type AddressRecord,
  type DisconnectReason,
  isNeverExpiringTtl,
  type PeerField,
  type PeerId,
  type PeerRecord,
  type Peerstore,
  PeerstoreError,
  type PeerstoreEvent,
  type PeerstoreListener,
  type TagOptions,
  type TagRecord,
  throwIfAborted,
} from '@switchyard/interface'
import { type MemoryPeerstoreConfig, type MemoryPeerstoreInit, validateInit } from './config.js'
import { AddrEntry, addrKey, PeerEntry } from './peer-entry.js'

const EMPTY: readonly never[] = Object.freeze([])
const EMPTY_TAGS: ReadonlyMap<string, TagRecord> = new Map()
/** Interned protocol ids shared by every peer (identify sends the same few hundred strings again and again). */
const MAX_INTERNED_PROTOCOLS = 4096
const DISCONNECT_REASONS: ReadonlySet<string> = new Set<DisconnectReason>([
  'normal',
  'timeout',
  'protocol-violation',
  'resource-constraint',
  'peer-banned',
  'network-restructure',
  'transport-error',
])

/** An in-memory, bounded peerstore. */
export class MemoryPeerstore implements Peerstore {
  protected readonly config: MemoryPeerstoreConfig
  /** Peers in least-recently-written-first order (a write moves a peer to the end), for eviction. */
  protected readonly entries = new Map<string, PeerEntry>()
  private readonly listeners = new Set<PeerstoreListener>()
  private readonly interned = new Map<string, string>()
  private readonly scratchKeys: string[] = []
  private readonly scratchAddrs: Multiaddr[] = []
  /** Counts event dispatches, so that code holding scratch state can tell a listener ran. */
  private emitted = 0
  private gcTimer: ReturnType<typeof setInterval> | undefined
  protected closed = false

  constructor(init: MemoryPeerstoreInit = {}) {
    this.config = validateInit(init)
    if (this.config.gcIntervalMs > 0) {
      this.gcTimer = setInterval(() => this.gc(), this.config.gcIntervalMs)
      this.gcTimer.unref()
    }
  }

  get size(): number {
    return this.entries.size
  }

  has(peerId: PeerId): boolean {
    return this.entries.has(peerKey(peerId))
  }

  get(peerId: PeerId): PeerRecord | undefined {
    return this.entries.get(peerKey(peerId))?.snapshot(this.config.now())
  }

  peers(): PeerId[] {
    const out: PeerId[] = []
    for (const e of this.entries.values()) out.push(e.id)
    return out
  }

  delete(peerId: PeerId): boolean {
    this.assertOpen()
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined) return false
    this.removeEntry(e, 'deleted')
    return true
  }

  // --- addresses ---------------------------------------------------------------

  addAddrs(peerId: PeerId, addrs: readonly Multiaddr[], ttlMs: number): void {
    this.assertOpen()
    checkTtl(ttlMs)
    const n = this.keyAddrs(addrs)
    // go-libp2p `AddAddrs`: a TTL <= 0 adds nothing.
    if (ttlMs <= 0 || n === 0) return
    const e = this.upsertKeeping(peerId, addrs)
    const now = this.config.now()
    const expiresAt = expiry(now, ttlMs)
    let changed = false
    for (let i = 0; i < n; i++) {
      const key = this.scratchKeys[i] as string
      const ma = this.scratchAddrs[i] as Multiaddr
      const a = e.addrs.get(key)
      if (a === undefined) {
        changed = this.insertAddr(e, new AddrEntry(ma, key, ttlMs, expiresAt)) || changed
        continue
      }
      // Never shorten: keep the longer TTL and the later expiry (go-libp2p pstoremem).
      if (ttlMs > a.ttlMs) {
        a.ttlMs = ttlMs
        changed = true
      }
      if (expiresAt > a.expiresAt) {
        a.expiresAt = expiresAt
        changed = true
      }
    }
    if (changed) this.addrsChanged(e)
  }

  setAddrs(peerId: PeerId, addrs: readonly Multiaddr[], ttlMs: number): void {
    this.assertOpen()
    checkTtl(ttlMs)
    const n = this.keyAddrs(addrs)
    if (n === 0) return
    if (ttlMs <= 0) {
      const e = this.entries.get(peerKey(peerId))
      if (e === undefined) return
      let changed = false
      for (let i = 0; i < n; i++) changed = e.addrs.delete(this.scratchKeys[i] as string) || changed
      if (changed) this.addrsChanged(e)
      return
    }
    const e = this.upsertKeeping(peerId, addrs)
    const expiresAt = expiry(this.config.now(), ttlMs)
    for (let i = 0; i < n; i++) {
      const key = this.scratchKeys[i] as string
      const ma = this.scratchAddrs[i] as Multiaddr
      const a = e.addrs.get(key)
      if (a === undefined) {
        this.insertAddr(e, new AddrEntry(ma, key, ttlMs, expiresAt))
      } else {
        a.ttlMs = ttlMs
        a.expiresAt = expiresAt
      }
    }
    this.addrsChanged(e)
  }

  updateAddrs(peerId: PeerId, oldTtlMs: number, newTtlMs: number): void {
    this.assertOpen()
    checkTtl(oldTtlMs)
    checkTtl(newTtlMs)
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined) return
    const expiresAt = expiry(this.config.now(), newTtlMs)
    let changed = false
    for (const [key, a] of e.addrs) {
      if (a.ttlMs !== oldTtlMs) continue
      changed = true
      if (newTtlMs <= 0) {
        e.addrs.delete(key)
      } else {
        a.ttlMs = newTtlMs
        a.expiresAt = expiresAt
      }
    }
    if (changed) this.addrsChanged(e)
  }

  clearAddrs(peerId: PeerId): void {
    this.assertOpen()
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined || e.addrs.size === 0) return
    e.addrs.clear()
    this.addrsChanged(e)
  }

  addrs(peerId: PeerId): readonly AddressRecord[] {
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined) return EMPTY
    const now = this.config.now()
    if (e.minExpiresAt > now) {
      // Nothing has expired: serve (and cache) the whole list.
      if (e.addrsView === undefined) e.addrsView = [...e.addrs.values()]
      return e.addrsView
    }
    const out: AddrEntry[] = []
    for (const a of e.addrs.values()) if (a.expiresAt > now) out.push(a)
    return out
  }

  recordDial(peerId: PeerId, addr: Multiaddr, outcome: { ok: true } | { ok: false; code?: string }): void {
    this.assertOpen()
    if (outcome === null || typeof outcome !== 'object') throw new TypeError('outcome must be { ok }')
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined) return
    const a = e.addrs.get(addrKey(addrBytes(addr)))
    if (a === undefined) return
    const now = this.config.now()
    const s = a.dialStats()
    if (outcome.ok) {
      s.successes++
      s.consecutiveFailures = 0
      s.lastSuccessAt = now
    } else {
      s.failures++
      s.consecutiveFailures++
      s.lastFailureAt = now
      // An error code is a short identifier; a long one is cut so a remote-chosen string cannot grow the store.
      s.lastErrorCode = typeof outcome.code === 'string' ? outcome.code.slice(0, 64) : undefined
    }
    this.touch(e)
    this.emitUpdate(e, 'dialStats')
  }

  // --- public key -------------------------------------------------------------

  setPublicKey(peerId: PeerId, publicKey: Uint8Array): void {
    this.assertOpen()
    if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array')
    if (publicKey.byteLength > this.config.maxPublicKeyBytes) {
      throw new PeerstoreError(
        'PEERSTORE_LIMIT_EXCEEDED',
        `public key over ${this.config.maxPublicKeyBytes} bytes`,
      )
    }
    const e = this.upsert(peerId)
    if (e.publicKey !== undefined && bytesEqual(e.publicKey, publicKey)) return
    e.publicKey = publicKey.slice()
    this.emitUpdate(e, 'publicKey')
  }

  publicKey(peerId: PeerId): Uint8Array | undefined {
    return this.entries.get(peerKey(peerId))?.publicKey?.slice()
  }

  // --- protocols --------------------------------------------------------------

  setProtocols(peerId: PeerId, protocols: readonly string[]): void {
    this.assertOpen()
    const next = this.cleanProtocols(protocols, this.config.maxProtocolsPerPeer)
    const existing = this.entries.get(peerKey(peerId))
    if (existing !== undefined && sameOrder(existing.protocols, next)) return
    if (existing === undefined && next.length === 0) return
    const e = existing ?? this.upsert(peerId)
    const own = e.ownProtocols()
    own.clear()
    for (const p of next) own.add(p)
    this.protocolsChanged(e)
  }

  addProtocols(peerId: PeerId, protocols: readonly string[]): void {
    this.assertOpen()
    const list = this.cleanProtocols(protocols, this.config.maxProtocolsPerPeer)
    if (list.length === 0) return
    const e = this.upsert(peerId)
    let changed = false
    for (const p of list) {
      if (e.protocols.size >= this.config.maxProtocolsPerPeer) break
      if (e.protocols.has(p)) continue
      e.ownProtocols().add(p)
      changed = true
    }
    if (changed) this.protocolsChanged(e)
  }

  removeProtocols(peerId: PeerId, protocols: readonly string[]): void {
    this.assertOpen()
    checkStrings(protocols, 'protocols')
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined) return
    let changed = false
    for (const p of protocols) {
      if (!e.protocols.has(p)) continue
      e.ownProtocols().delete(p)
      changed = true
    }
    if (changed) this.protocolsChanged(e)
  }

  protocols(peerId: PeerId): readonly string[] {
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined) return EMPTY
    if (e.protocolsView === undefined) e.protocolsView = Object.freeze([...e.protocols]) as string[]
    return e.protocolsView
  }

  supportsProtocols(peerId: PeerId, protocols: readonly string[]): string[] {
    checkStrings(protocols, 'protocols')
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined) return []
    return protocols.filter((p) => e.protocols.has(p))
  }

  // --- metadata ---------------------------------------------------------------

  setMetadata(peerId: PeerId, key: string, value: Uint8Array | undefined): void {
    this.assertOpen()
    if (typeof key !== 'string' || key.length === 0)
      throw new TypeError('metadata key must be a non-empty string')
    if (value === undefined) {
      const e = this.entries.get(peerKey(peerId))
      if (e?.metadata.has(key) === true) {
        e.ownMetadata().delete(key)
        this.emitUpdate(e, 'metadata')
      }
      return
    }
    if (!(value instanceof Uint8Array))
      throw new TypeError('metadata value must be a Uint8Array or undefined')
    if (value.byteLength > this.config.maxMetadataValueBytes) {
      throw new PeerstoreError(
        'PEERSTORE_LIMIT_EXCEEDED',
        `metadata value over ${this.config.maxMetadataValueBytes} bytes`,
      )
    }
    const existing = this.entries.get(peerKey(peerId))
    if (
      existing !== undefined &&
      !existing.metadata.has(key) &&
      existing.metadata.size >= this.config.maxMetadataPerPeer
    ) {
      throw new PeerstoreError(
        'PEERSTORE_LIMIT_EXCEEDED',
        `over ${this.config.maxMetadataPerPeer} metadata keys`,
      )
    }
    const e = existing ?? this.upsert(peerId)
    e.ownMetadata().set(key, value.slice())
    if (existing !== undefined) this.touch(e)
    this.emitUpdate(e, 'metadata')
  }

  metadata(peerId: PeerId, key: string): Uint8Array | undefined {
    return this.entries.get(peerKey(peerId))?.metadata.get(key)?.slice()
  }

  // --- tags -------------------------------------------------------------------

  tag(peerId: PeerId, name: string, options: TagOptions = {}): void {
    this.assertOpen()
    if (typeof name !== 'string' || name.length === 0)
      throw new TypeError('tag name must be a non-empty string')
    const value = options.value ?? 0
    if (!Number.isInteger(value) || value < 0 || value > 100)
      throw new RangeError('tag value must be an integer 0..100')
    const ttlMs = options.ttlMs
    if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new RangeError('tag ttlMs must be a positive number')
    }
    const existing = this.entries.get(peerKey(peerId))
    if (
      existing !== undefined &&
      !existing.tags.has(name) &&
      existing.tags.size >= this.config.maxTagsPerPeer
    ) {
      throw new PeerstoreError('PEERSTORE_LIMIT_EXCEEDED', `over ${this.config.maxTagsPerPeer} tags`)
    }
    const e = existing ?? this.upsert(peerId)
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : this.config.now() + ttlMs
    e.ownTags().set(name, { value, expiresAt })
    e.noteExpiry(expiresAt)
    if (existing !== undefined) this.touch(e)
    this.emitUpdate(e, 'tags')
  }

  untag(peerId: PeerId, name: string): void {
    this.assertOpen()
    const e = this.entries.get(peerKey(peerId))
    if (e?.tags.has(name) === true) {
      e.ownTags().delete(name)
      this.emitUpdate(e, 'tags')
    }
  }

  tags(peerId: PeerId): ReadonlyMap<string, TagRecord> {
    const e = this.entries.get(peerKey(peerId))
    if (e === undefined || e.tags.size === 0) return EMPTY_TAGS
    const now = this.config.now()
    const out = new Map<string, TagRecord>()
    for (const [name, t] of e.tags)
      if (t.expiresAt > now) out.set(name, { value: t.value, expiresAt: t.expiresAt })
    return out
  }

  // --- connection history -----------------------------------------------------

  recordLatency(peerId: PeerId, rttMs: number): void {
    this.assertOpen()
    if (typeof rttMs !== 'number' || !Number.isFinite(rttMs) || rttMs < 0) {
      throw new RangeError('rttMs must be a finite number >= 0')
    }
    const e = this.upsert(peerId)
    // EWMA as go-libp2p `metrics.go` `RecordLatency`: next = (1 - a) * prev + a * sample.
    e.latencyMs =
      e.latencyMs === undefined ? rttMs : e.latencyMs + this.config.latencySmoothing * (rttMs - e.latencyMs)
    this.emitUpdate(e, 'latency')
  }

  latency(peerId: PeerId): number | undefined {
    return this.entries.get(peerKey(peerId))?.latencyMs
  }

  recordConnect(peerId: PeerId): void {
    this.assertOpen()
    const e = this.upsert(peerId)
    e.connected = true
    e.lastConnectedAt = this.config.now()
    this.emitUpdate(e, 'connection')
  }

  recordDisconnect(peerId: PeerId, reason: DisconnectReason): void {
    this.assertOpen()
    if (!DISCONNECT_REASONS.has(reason)) throw new TypeError(`unknown disconnect reason ${String(reason)}`)
    const e = this.upsert(peerId)
    e.connected = false
    e.lastDisconnectedAt = this.config.now()
    e.lastDisconnectReason = reason
    this.emitUpdate(e, 'connection')
  }

  // --- GC, events, lifecycle --------------------------------------------------

  gc(): number {
    if (this.closed) return 0
    const now = this.config.now()
    let removed = 0
    for (const e of this.entries.values()) {
      if (e.minExpiresAt > now) continue
      let addrsChanged = false
      let tagsChanged = false
      for (const [key, a] of e.addrs) {
        if (a.expiresAt <= now) {
          e.addrs.delete(key)
          addrsChanged = true
        }
      }
      for (const [name, t] of e.tags) {
        if (t.expiresAt <= now) {
          e.ownTags().delete(name)
          tagsChanged = true
        }
      }
      e.recomputeMinExpiry()
      if (e.isEmpty()) {
        this.removeEntry(e, 'expired')
        removed++
        continue
      }
      if (addrsChanged) this.addrsChanged(e, false)
      if (tagsChanged) this.emitUpdate(e, 'tags')
    }
    return removed
  }

  subscribe(listener: PeerstoreListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    // Wrapped so that subscribing the same function twice yields two independent subscriptions.
    const wrapped: PeerstoreListener = (ev) => listener(ev)
    this.listeners.add(wrapped)
    return () => {
      this.listeners.delete(wrapped)
    }
  }

  async flush(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
  }

  async close(options: AbortOptions = {}): Promise<void> {
    throwIfAborted(options.signal)
    this.stopTimers()
  }

  /** Stops the GC timer and refuses further writes. */
  protected stopTimers(): void {
    this.closed = true
    if (this.gcTimer !== undefined) clearInterval(this.gcTimer)
    this.gcTimer = undefined
  }

  // --- persistence hooks ------------------------------------------------------

  /** Called after every change of a peer's `field` (the peer may be new). Persistence layers override it. */
  protected changed(_entry: PeerEntry, _field: PeerField): void {}

  /** Called after a peer is removed. Persistence layers override it. */
  protected removed(_entry: PeerEntry): void {}

  /** Puts a peer read back from storage into the store, without events or `changed` calls. */
  protected loadEntry(entry: PeerEntry): void {
    for (const a of entry.addrs.values()) entry.noteExpiry(a.expiresAt)
    for (const t of entry.tags.values()) entry.noteExpiry(t.expiresAt)
    this.entries.set(entry.key, entry)
  }

  /** Interns a protocol id (shared string instances across peers). */
  protected intern(p: string): string {
    const s = this.interned.get(p)
    if (s !== undefined) return s
    if (this.interned.size < MAX_INTERNED_PROTOCOLS) this.interned.set(p, p)
    return p
  }

  // --- internals --------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new PeerstoreError('PEERSTORE_CLOSED', 'the peerstore is closed')
  }

  /** Finds or creates the peer's entry (evicting another at the cap) and marks it most recently written. */
  private upsert(peerId: PeerId): PeerEntry {
    const key = peerKey(peerId)
    const e = this.entries.get(key)
    if (e !== undefined) {
      this.touch(e)
      return e
    }
    if (this.entries.size >= this.config.maxPeers) this.evictOne()
    const created = new PeerEntry(key, peerId)
    this.entries.set(key, created)
    if (this.listeners.size > 0) this.emit({ type: 'peer:added', peerId })
    return created
  }

  /**
   * `upsert` for the address writers: a listener run by `upsert` (peer added or
   * evicted) may itself write addresses and so reuse the scratch arrays; they are
   * refilled from `addrs` then (the count is unchanged: same input).
   */
  private upsertKeeping(peerId: PeerId, addrs: readonly Multiaddr[]): PeerEntry {
    const emitted = this.emitted
    const e = this.upsert(peerId)
    if (this.emitted !== emitted) this.keyAddrs(addrs)
    return e
  }

  /** Moves the peer to the most-recently-written end of the eviction order. */
  private touch(e: PeerEntry): void {
    this.entries.delete(e.key)
    this.entries.set(e.key, e)
  }

  private evictOne(): void {
    let scanned = 0
    for (const e of this.entries.values()) {
      if (scanned++ >= this.config.evictionScanLimit) break
      if (e.isProtected()) continue
      this.removeEntry(e, 'evicted')
      return
    }
    throw new PeerstoreError(
      'PEERSTORE_FULL',
      `peerstore holds ${this.config.maxPeers} peers and none of the oldest ${this.config.evictionScanLimit} can be evicted`,
    )
  }

  private removeEntry(e: PeerEntry, cause: 'deleted' | 'expired' | 'evicted'): void {
    this.entries.delete(e.key)
    this.removed(e)
    if (this.listeners.size > 0) this.emit({ type: 'peer:removed', peerId: e.id, cause })
  }

  /** Adds `a`, dropping the soonest-expiring address at `maxAddrsPerPeer`. Returns false when `a` itself was the one dropped. */
  private insertAddr(e: PeerEntry, a: AddrEntry): boolean {
    if (e.addrs.size >= this.config.maxAddrsPerPeer) {
      let victim: AddrEntry | undefined
      for (const x of e.addrs.values()) if (victim === undefined || x.expiresAt < victim.expiresAt) victim = x
      if (victim === undefined || victim.expiresAt >= a.expiresAt) return false
      e.addrs.delete(victim.key)
    }
    e.ownAddrs().set(a.key, a)
    e.noteExpiry(a.expiresAt)
    return true
  }

  private addrsChanged(e: PeerEntry, recompute = true): void {
    // Rebuilt here, on the write, so that the dial path (`addrs()`) allocates nothing.
    e.addrsView = e.addrs.size === 0 ? undefined : [...e.addrs.values()]
    if (recompute) e.recomputeMinExpiry()
    this.emitUpdate(e, 'addresses')
  }

  private protocolsChanged(e: PeerEntry): void {
    e.protocolsView = undefined
    this.emitUpdate(e, 'protocols')
  }

  private emitUpdate(e: PeerEntry, field: PeerField): void {
    this.changed(e, field)
    if (this.listeners.size > 0) this.emit({ type: 'peer:updated', peerId: e.id, field })
  }

  private emit(ev: PeerstoreEvent): void {
    this.emitted++
    for (const l of this.listeners) {
      try {
        l(ev)
      } catch (err) {
        // A listener's bug must not break the store or starve the other listeners.
        process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'PeerstoreListenerError')
      }
    }
  }

  /**
   * Validates and keys addresses into the scratch arrays `scratchKeys` /
   * `scratchAddrs` (reused: no allocation per call on the hot path), dropping
   * those over `maxAddrBytes` and duplicates. Returns how many were kept.
   */
  private keyAddrs(addrs: readonly Multiaddr[]): number {
    if (!Array.isArray(addrs)) throw new TypeError('addrs must be an array of Multiaddr')
    const keys = this.scratchKeys
    const out = this.scratchAddrs
    let n = 0
    for (const ma of addrs) {
      const bytes = addrBytes(ma)
      if (bytes.byteLength === 0 || bytes.byteLength > this.config.maxAddrBytes) continue
      const key = addrKey(bytes)
      // Lists are short (identify sends a handful): a linear scan beats a Set here.
      let dup = false
      for (let i = 0; i < n && !dup; i++) dup = keys[i] === key
      if (dup) continue
      keys[n] = key
      out[n] = ma
      n++
    }
    return n
  }

  private cleanProtocols(protocols: readonly string[], max: number): string[] {
    checkStrings(protocols, 'protocols')
    const out: string[] = []
    const seen = new Set<string>()
    for (const p of protocols) {
      if (out.length >= max) break
      if (p.length === 0 || p.length > this.config.maxProtocolLength || seen.has(p)) continue
      seen.add(p)
      out.push(this.intern(p))
    }
    return out
  }
}

/** Creates an in-memory peerstore. */
export function createMemoryPeerstore(init: MemoryPeerstoreInit = {}): MemoryPeerstore {
  return new MemoryPeerstore(init)
}

/** The store's key of a peer: its base58btc string. */
export function peerKey(peerId: PeerId): string {
  if (peerId === null || typeof peerId !== 'object' || !(peerId.bytes instanceof Uint8Array)) {
    throw new TypeError('peerId must be a PeerId')
  }
  const key = peerId.toString()
  if (typeof key !== 'string' || key.length === 0)
    throw new TypeError('peerId.toString() must return a string')
  return key
}

function addrBytes(ma: Multiaddr): Uint8Array {
  const bytes = (ma as { bytes?: unknown } | null)?.bytes
  if (!(bytes instanceof Uint8Array)) throw new TypeError('addrs must be Multiaddr objects')
  return bytes
}

function checkTtl(ttlMs: number): void {
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) throw new TypeError('ttlMs must be a number')
}

/** Absolute expiry of a TTL: `Infinity` for the never-expiring classes (and any TTL at least as long). */
function expiry(now: number, ttlMs: number): number {
  return isNeverExpiringTtl(ttlMs) ? Number.POSITIVE_INFINITY : now + ttlMs
}

function checkStrings(list: readonly string[], what: string): void {
  if (!Array.isArray(list)) throw new TypeError(`${what} must be an array of strings`)
  for (const s of list) if (typeof s !== 'string') throw new TypeError(`${what} must be an array of strings`)
}

function sameOrder(set: ReadonlySet<string>, list: readonly string[]): boolean {
  if (set.size !== list.length) return false
  let i = 0
  for (const p of set) if (p !== list[i++]) return false
  return true
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
