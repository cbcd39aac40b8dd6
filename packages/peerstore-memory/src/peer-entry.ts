/**
 * The in-memory representation of one peer. Mutable, owned by the store; the
 * public API hands out `PeerRecord` snapshots (`snapshot()`) or, on the dial hot
 * path, the address entries themselves typed read-only.
 *
 * Exported for persistence layers built on `MemoryPeerstore` (they read entries
 * to write them out and build them to load them back).
 */
import { type Multiaddr, multiaddr as parseMultiaddr } from '@multiformats/multiaddr'
import type {
  AddressDialStats,
  AddressRecord,
  DisconnectReason,
  PeerId,
  PeerRecord,
  TagRecord,
} from '@switchyard/interface'

/** Mutable dial statistics of one address. */
export class DialStats implements AddressDialStats {
  successes = 0
  failures = 0
  consecutiveFailures = 0
  lastSuccessAt: number | undefined = undefined
  lastFailureAt: number | undefined = undefined
  lastErrorCode: string | undefined = undefined

  clone(): DialStats {
    const c = new DialStats()
    c.successes = this.successes
    c.failures = this.failures
    c.consecutiveFailures = this.consecutiveFailures
    c.lastSuccessAt = this.lastSuccessAt
    c.lastFailureAt = this.lastFailureAt
    c.lastErrorCode = this.lastErrorCode
    return c
  }
}

/**
 * The stats of every address never dialled: one shared, frozen instance, so that
 * the common case costs no object per address. `AddrEntry.dialStats()` replaces
 * it with an own instance on the first dial.
 */
export const NO_DIALS: DialStats = Object.freeze(new DialStats()) as DialStats

/**
 * One address of a peer. `key` is the address bytes as a latin1 string (a cheap,
 * exact map key, and all an entry loaded from storage keeps): `bytes` and the
 * `Multiaddr` object are built from it on first access, so a reopened store with
 * 100,000 peers does not build half a million objects it may never dial.
 */
export class AddrEntry implements AddressRecord {
  #multiaddr: Multiaddr | undefined
  #bytes: Uint8Array | undefined

  constructor(
    multiaddr: Multiaddr | undefined,
    readonly key: string,
    public ttlMs: number,
    public expiresAt: number,
    public stats: DialStats = NO_DIALS,
  ) {
    this.#multiaddr = multiaddr
  }

  /** The binary multiaddr (do not modify). */
  get bytes(): Uint8Array {
    if (this.#bytes === undefined) {
      this.#bytes = this.#multiaddr?.bytes ?? Uint8Array.from(Buffer.from(this.key, 'latin1'))
    }
    return this.#bytes
  }

  get multiaddr(): Multiaddr {
    if (this.#multiaddr === undefined) this.#multiaddr = parseMultiaddr(this.bytes)
    return this.#multiaddr
  }

  /** The address's own, mutable stats (allocated on first use). */
  dialStats(): DialStats {
    if (this.stats === NO_DIALS) this.stats = new DialStats()
    return this.stats
  }

  /** A copy with copied stats (for snapshots). */
  copy(): AddrEntry {
    const stats = this.stats === NO_DIALS ? NO_DIALS : this.stats.clone()
    return new AddrEntry(this.#multiaddr, this.key, this.ttlMs, this.expiresAt, stats)
  }
}

/** One tag of a peer. */
export interface TagEntry extends TagRecord {
  value: number
  expiresAt: number
}

/** A Set / Map that stays empty: the shared initial value of a peer's collections. */
class EmptySet extends Set<string> {
  override add(): this {
    throw new Error('bug: write to the shared empty set (use ownProtocols())')
  }
}
class EmptyMap extends Map<string, never> {
  override set(): this {
    throw new Error('bug: write to the shared empty map (use ownAddrs() / ownMetadata() / ownTags())')
  }
}
const EMPTY_SET: ReadonlySet<string> = new EmptySet()
const EMPTY_MAP: ReadonlyMap<string, never> = new EmptyMap()
/** Typed as writable because `delete` / `clear` on it are harmless no-ops; `set` throws. */
const EMPTY_ADDRS = EMPTY_MAP as unknown as Map<string, AddrEntry>

/** The map key of an address: its bytes as latin1 (no copy of the bytes, exact). */
export function addrKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** Everything known about one peer. */
export class PeerEntry {
  /**
   * Starts as the shared empty map (an inbound peer has no dialable address):
   * read and delete directly, add through `ownAddrs()`.
   */
  addrs: Map<string, AddrEntry> = EMPTY_ADDRS
  publicKey: Uint8Array | undefined = undefined
  /**
   * Insertion-ordered; a Set for O(1) `supportsProtocols`. Protocols, metadata and
   * tags start as shared empty collections (most peers have no metadata or tags):
   * read them directly, write through `ownProtocols()` / `ownMetadata()` / `ownTags()`.
   */
  protocols: ReadonlySet<string> = EMPTY_SET
  metadata: ReadonlyMap<string, Uint8Array> = EMPTY_MAP as ReadonlyMap<string, Uint8Array>
  tags: ReadonlyMap<string, TagEntry> = EMPTY_MAP as ReadonlyMap<string, TagEntry>
  latencyMs: number | undefined = undefined
  lastConnectedAt: number | undefined = undefined
  lastDisconnectedAt: number | undefined = undefined
  lastDisconnectReason: DisconnectReason | undefined = undefined
  /** True between `recordConnect` and `recordDisconnect`; never persisted (no connection survives a restart). */
  connected = false
  /**
   * A lower bound of the earliest expiry among addresses and tags (`Infinity`
   * when nothing expires), so GC and reads skip peers with nothing expired.
   */
  minExpiresAt = Number.POSITIVE_INFINITY
  /** The cached unexpired address list for `addrs()`; `undefined` after a change. */
  addrsView: AddrEntry[] | undefined = undefined
  /** The cached protocol list for `protocols()`; `undefined` after a change. */
  protocolsView: string[] | undefined = undefined

  constructor(
    readonly key: string,
    readonly id: PeerId,
  ) {}

  /** The peer's own, writable address map. */
  ownAddrs(): Map<string, AddrEntry> {
    if (this.addrs === EMPTY_ADDRS) this.addrs = new Map()
    return this.addrs
  }

  /** The peer's own, writable protocol set. */
  ownProtocols(): Set<string> {
    if (this.protocols === EMPTY_SET) this.protocols = new Set()
    return this.protocols as Set<string>
  }

  /** The peer's own, writable metadata map. */
  ownMetadata(): Map<string, Uint8Array> {
    if (this.metadata === EMPTY_MAP) this.metadata = new Map()
    return this.metadata as Map<string, Uint8Array>
  }

  /** The peer's own, writable tag map. */
  ownTags(): Map<string, TagEntry> {
    if (this.tags === EMPTY_MAP) this.tags = new Map()
    return this.tags as Map<string, TagEntry>
  }

  /** Lowers `minExpiresAt` to `expiresAt` if that is earlier. */
  noteExpiry(expiresAt: number): void {
    if (expiresAt < this.minExpiresAt) this.minExpiresAt = expiresAt
  }

  /** Recomputes `minExpiresAt` exactly. */
  recomputeMinExpiry(): void {
    let min = Number.POSITIVE_INFINITY
    for (const a of this.addrs.values()) if (a.expiresAt < min) min = a.expiresAt
    for (const t of this.tags.values()) if (t.expiresAt < min) min = t.expiresAt
    this.minExpiresAt = min
  }

  /** True when eviction must not pick this peer: connected, tagged, or with an address that never expires. */
  isProtected(): boolean {
    if (this.connected || this.tags.size > 0) return true
    for (const a of this.addrs.values()) if (a.expiresAt === Number.POSITIVE_INFINITY) return true
    return false
  }

  /** True when nothing is left to reach or keep the peer by (GC then removes it). */
  isEmpty(): boolean {
    return !this.connected && this.addrs.size === 0 && this.tags.size === 0 && this.metadata.size === 0
  }

  /** A deep snapshot without expired addresses and tags. */
  snapshot(now: number): PeerRecord {
    const addresses: AddressRecord[] = []
    for (const a of this.addrs.values()) {
      if (a.expiresAt > now) addresses.push(a.copy())
    }
    const tags = new Map<string, TagRecord>()
    for (const [name, t] of this.tags)
      if (t.expiresAt > now) tags.set(name, { value: t.value, expiresAt: t.expiresAt })
    const metadata = new Map<string, Uint8Array>()
    for (const [k, v] of this.metadata) metadata.set(k, v.slice())
    return {
      id: this.id,
      addresses,
      publicKey: this.publicKey?.slice(),
      protocols: [...this.protocols],
      metadata,
      tags,
      latencyMs: this.latencyMs,
      lastConnectedAt: this.lastConnectedAt,
      lastDisconnectedAt: this.lastDisconnectedAt,
      lastDisconnectReason: this.lastDisconnectReason,
    }
  }
}
