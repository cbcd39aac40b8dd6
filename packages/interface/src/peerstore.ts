/**
 * The peer metadata store ("peerstore").
 *
 * The libp2p connections spec, "State Management → Peer Metadata Storage"
 * (/work/shared/seeds/000_*), recommends a storage interface that memory or
 * persistent storage can back, holding at least each peer's id and last known
 * addresses, so that a node can rejoin the network after a restart without
 * depending on bootstrap nodes. This file is that interface; the in-memory
 * implementation is `@switchyard/peerstore-memory`, the persistent one
 * `@switchyard/peerstore-sqlite`. Both pass the compliance suite
 * `runPeerstoreSuite` of `@switchyard/testkit`.
 *
 * ## Why the API is synchronous
 * Address lookup sits on the dial hot path: a dial must not wait on a disk, a
 * promise, or another task. Every read and write here is therefore synchronous
 * and served from memory. A persistent store keeps its whole working set in memory
 * (it is bounded by `maxPeers`) and writes behind: changes are batched and flushed
 * to disk in one transaction per interval. Only the lifecycle calls that may touch
 * the disk and wait (`flush`, `close`) are async.
 *
 * ## Peer identity
 * Peers are keyed by `peerId.toString()` (base58btc). A store returns the
 * `PeerId` object it was first given for a peer; a persistent store, which has
 * only bytes and the string after a restart, rebuilds ids with the
 * `peerIdFromString`-style function its init accepts, or with a minimal object
 * implementing `PeerId` (bytes, `toString`, `equals`).
 *
 * ## Time
 * Times are milliseconds of the store's clock (`now()`, default `Date.now`).
 * Address and tag TTLs are as in go-libp2p's peerstore (`AddressTTL`).
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions } from './errors.js'
import { SwitchyardError } from './errors.js'
import type { PeerId } from './peer.js'

/**
 * Address TTL classes, in milliseconds (go-libp2p `core/peerstore`: `TempAddrTTL`,
 * `RecentlyConnectedAddrTTL`, `AddressTTL`, `ConnectedAddrTTL`, `PermanentAddrTTL`).
 * `connected` and `permanent` never expire; `connected` addresses are demoted to
 * `recentlyConnected` with `updateAddrs` when the connection closes (and by a
 * persistent store when it is reopened, since no connection survives a restart).
 */
export const AddressTTL = {
  /** Addresses we are not sure of, e.g. from a relay or a discovery hint: 2 minutes. */
  temporary: 2 * 60_000,
  /** Addresses of a peer we were connected to a moment ago: 15 minutes. */
  recentlyConnected: 15 * 60_000,
  /** The default for addresses learned from a peer (identify, discovery): 1 hour. */
  default: 60 * 60_000,
  /** Addresses of a peer while we are connected to it: never expire. */
  connected: Number.MAX_SAFE_INTEGER - 1,
  /** Addresses set by the application (bootstrap list): never expire. */
  permanent: Number.MAX_SAFE_INTEGER,
} as const

/** True for a TTL that never expires (`AddressTTL.connected` or `.permanent`). */
export function isNeverExpiringTtl(ttlMs: number): boolean {
  return ttlMs >= AddressTTL.connected
}

/** The dial history of one address of a peer; the dialer ranks addresses with it. */
export interface AddressDialStats {
  /** Successful dials to this address. */
  readonly successes: number
  /** Failed dials to this address. */
  readonly failures: number
  /** Failures since the last success (resets to 0 on success). */
  readonly consecutiveFailures: number
  /** When the last dial succeeded, or `undefined`. */
  readonly lastSuccessAt: number | undefined
  /** When the last dial failed, or `undefined`. */
  readonly lastFailureAt: number | undefined
  /** The error code of the last failed dial (e.g. `'ECONNREFUSED'`), or `undefined`. */
  readonly lastErrorCode: string | undefined
}

/** One address of a peer. */
export interface AddressRecord {
  readonly multiaddr: Multiaddr
  /** The TTL it was last set with (`AddressTTL.*` or any number of milliseconds). */
  readonly ttlMs: number
  /** When it expires; `Infinity` for `connected` / `permanent`. */
  readonly expiresAt: number
  readonly stats: AddressDialStats
}

/** A tag on a peer (the connection manager protects and ranks peers by tags). */
export interface TagRecord {
  /** An integer weight, 0..100 (as in js-libp2p). */
  readonly value: number
  /** When the tag expires; `Infinity` when it has no TTL. */
  readonly expiresAt: number
}

/** Options of `Peerstore.tag`. */
export interface TagOptions {
  /** The weight, an integer 0..100; default 0. */
  value?: number
  /** Remove the tag after this many milliseconds; default never. */
  ttlMs?: number
}

/**
 * Why the last connection to a peer closed (seed 001, §4.3 "Disconnection
 * Handling"): the reconnect policy branches on it.
 */
export type DisconnectReason =
  /** Graceful close by either side. */
  | 'normal'
  /** Keep-alive, idle or handshake timeout. */
  | 'timeout'
  /** The peer broke a protocol rule (a typed error from a codec or a muxer). */
  | 'protocol-violation'
  /** Closed by us for local limits (connection manager, resource scopes). */
  | 'resource-constraint'
  /** The peer is banned (gater). */
  | 'peer-banned'
  /** Replaced by a better connection (simultaneous connect, upgrade to a direct path). */
  | 'network-restructure'
  /** The transport failed (reset, broken pipe). */
  | 'transport-error'

/** Everything the store knows about one peer: a snapshot, safe to keep. */
export interface PeerRecord {
  readonly id: PeerId
  /** Unexpired addresses, in insertion order. */
  readonly addresses: readonly AddressRecord[]
  /** The peer's public key (protobuf-encoded, as in identify), or `undefined`. */
  readonly publicKey: Uint8Array | undefined
  /** Protocols the peer said it supports (identify), in insertion order. */
  readonly protocols: readonly string[]
  readonly metadata: ReadonlyMap<string, Uint8Array>
  /** Unexpired tags. */
  readonly tags: ReadonlyMap<string, TagRecord>
  /** Exponentially weighted moving average of round-trip time (ping), or `undefined`. */
  readonly latencyMs: number | undefined
  readonly lastConnectedAt: number | undefined
  readonly lastDisconnectedAt: number | undefined
  readonly lastDisconnectReason: DisconnectReason | undefined
}

/** Which part of a peer record a change touched. */
export type PeerField =
  | 'addresses'
  | 'publicKey'
  | 'protocols'
  | 'metadata'
  | 'tags'
  | 'latency'
  | 'connection'
  | 'dialStats'

/** A change of the store, delivered synchronously after the change is applied. */
export type PeerstoreEvent =
  | { readonly type: 'peer:added'; readonly peerId: PeerId }
  | { readonly type: 'peer:updated'; readonly peerId: PeerId; readonly field: PeerField }
  | {
      readonly type: 'peer:removed'
      readonly peerId: PeerId
      /** `deleted` by a call, `expired` by GC, `evicted` to stay under `maxPeers`. */
      readonly cause: 'deleted' | 'expired' | 'evicted'
    }

/** Receives store events. A listener that throws does not affect the store or other listeners. */
export type PeerstoreListener = (event: PeerstoreEvent) => void

/**
 * Peer metadata storage. All reads and writes are synchronous and served from
 * memory (see the module comment for why); writes on a persistent store are
 * flushed to disk in batches.
 *
 * Methods taking a `peerId` create the peer's record when they write, and return
 * empty results when they read an unknown peer. Expired addresses and tags are
 * never returned, even before GC removes them.
 */
export interface Peerstore {
  /** How many peers the store holds. */
  readonly size: number

  /** True when the store has a record for the peer. */
  has(peerId: PeerId): boolean
  /** A snapshot of the peer's record, or `undefined`. */
  get(peerId: PeerId): PeerRecord | undefined
  /** The ids of all peers. */
  peers(): PeerId[]
  /** Removes the peer and everything about it. Returns true if it was there. */
  delete(peerId: PeerId): boolean

  /**
   * Adds addresses with a TTL (go-libp2p `AddAddrs`): an address already there
   * keeps the later of its expiry and the new one (a TTL is never shortened here).
   * Above `maxAddrsPerPeer`, the addresses expiring soonest are dropped.
   */
  addAddrs(peerId: PeerId, addrs: readonly Multiaddr[], ttlMs: number): void
  /**
   * Sets the TTL of the addresses exactly (go-libp2p `SetAddrs`), adding the
   * missing ones; a TTL <= 0 removes them.
   */
  setAddrs(peerId: PeerId, addrs: readonly Multiaddr[], ttlMs: number): void
  /** Moves every address with TTL `oldTtlMs` to `newTtlMs`, expiring from now (go-libp2p `UpdateAddrs`). */
  updateAddrs(peerId: PeerId, oldTtlMs: number, newTtlMs: number): void
  /** Removes all addresses of the peer. */
  clearAddrs(peerId: PeerId): void
  /**
   * The peer's unexpired addresses with their dial history: the dial hot path.
   * Never touches a disk. The records are the store's own: read them, don't keep
   * them across later writes (use `get()` for a snapshot).
   */
  addrs(peerId: PeerId): readonly AddressRecord[]
  /** Records the outcome of a dial to one of the peer's addresses (ignored for an unknown address). */
  recordDial(peerId: PeerId, addr: Multiaddr, outcome: { ok: true } | { ok: false; code?: string }): void

  /** Sets the peer's public key (bytes are copied). */
  setPublicKey(peerId: PeerId, publicKey: Uint8Array): void
  publicKey(peerId: PeerId): Uint8Array | undefined

  /** Replaces the peer's protocols (identify). Above `maxProtocolsPerPeer`, the rest are ignored. */
  setProtocols(peerId: PeerId, protocols: readonly string[]): void
  /** Adds protocols (identify push). */
  addProtocols(peerId: PeerId, protocols: readonly string[]): void
  removeProtocols(peerId: PeerId, protocols: readonly string[]): void
  protocols(peerId: PeerId): readonly string[]
  /** The subset of `protocols` the peer supports, in the order asked. */
  supportsProtocols(peerId: PeerId, protocols: readonly string[]): string[]

  /** Sets (or, with `undefined`, removes) one metadata value (bytes are copied). */
  setMetadata(peerId: PeerId, key: string, value: Uint8Array | undefined): void
  metadata(peerId: PeerId, key: string): Uint8Array | undefined

  /** Sets a tag (replacing one of the same name). */
  tag(peerId: PeerId, name: string, options?: TagOptions): void
  untag(peerId: PeerId, name: string): void
  /** The peer's unexpired tags. */
  tags(peerId: PeerId): ReadonlyMap<string, TagRecord>

  /** Adds a round-trip sample to the latency EWMA (alpha 0.1, as go-libp2p `metrics.go`). */
  recordLatency(peerId: PeerId, rttMs: number): void
  latency(peerId: PeerId): number | undefined
  /** Records that a connection to the peer opened (time = now). */
  recordConnect(peerId: PeerId): void
  /** Records that the last connection to the peer closed, and why (time = now). */
  recordDisconnect(peerId: PeerId, reason: DisconnectReason): void

  /** Removes expired addresses and tags, and peers left with nothing to reach or keep them by. Returns the number of peers removed. Runs on the store's own timer too. */
  gc(): number

  /** Subscribes to changes; returns the function that unsubscribes. */
  subscribe(listener: PeerstoreListener): () => void

  /** Waits until every write so far is durable (no-op for a memory store). */
  flush(options?: AbortOptions): Promise<void>
  /** Flushes, stops the GC timer and releases the backing storage. Idempotent. */
  close(options?: AbortOptions): Promise<void>
}

/** Codes of `PeerstoreError`. */
export type PeerstoreErrorCode =
  /** The store is full (`maxPeers`) and no peer could be evicted to make room. */
  | 'PEERSTORE_FULL'
  /** A per-peer limit (metadata, tags) was exceeded. */
  | 'PEERSTORE_LIMIT_EXCEEDED'
  /** The store was used after `close()`. */
  | 'PEERSTORE_CLOSED'
  /** The backing file is not a database, or fails its integrity check, or holds undecodable rows. */
  | 'PEERSTORE_CORRUPT'
  /** The backing file was written by a newer version of the store (schema version above ours). */
  | 'PEERSTORE_SCHEMA_TOO_NEW'
  /** The backing file is a database of some other application. */
  | 'PEERSTORE_FOREIGN_DATABASE'
  /** The backing file is locked by another process. */
  | 'PEERSTORE_LOCKED'
  /** Writing to the backing storage failed (disk full, I/O error); `cause` holds the driver error. */
  | 'PEERSTORE_IO'

/** Errors of peer stores. */
export class PeerstoreError extends SwitchyardError<PeerstoreErrorCode> {}
