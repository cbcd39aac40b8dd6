/**
 * The narrow view of the resource manager that the upgrader, the switch and the
 * muxers use (seed 002, "Resource Management"; semantics after go-libp2p's rcmgr).
 * `@switchyard/resource-scopes` implements it.
 *
 * Scopes nest: a reservation in a stream scope must be approved by the stream, its
 * connection, its peer, its protocol / service (or the transient scope before they are
 * known) and the system scope. A scope is closed exactly once with `done()` (or
 * `using`), which releases everything it still holds.
 */

import type { Multiaddr } from '@multiformats/multiaddr'
import { SwitchyardError } from './errors.js'
import type { MemoryAccount } from './muxer.js'
import type { Direction, PeerId } from './peer.js'

/**
 * How important a memory reservation is. A reservation of priority `p` succeeds only
 * while the scope's memory after it stays within `fraction(p) × limit`:
 * low 40 %, medium 60 %, high 80 %, always 100 % (go-libp2p's 101/152/203/255 of 255).
 */
export type MemoryPriority = 'low' | 'medium' | 'high' | 'always'

/** A counted resource. `conns` and `streams` are the totals of both directions. */
export type ResourceKind =
  | 'memory'
  | 'fd'
  | 'conns'
  | 'connsInbound'
  | 'connsOutbound'
  | 'streams'
  | 'streamsInbound'
  | 'streamsOutbound'

/** A snapshot of what a scope holds (its own reservations plus its children's). */
export interface ScopeStat {
  readonly memory: number
  readonly fd: number
  readonly connsInbound: number
  readonly connsOutbound: number
  readonly streamsInbound: number
  readonly streamsOutbound: number
}

/** Anything that holds reservations. */
export interface ResourceScope {
  /** A stable name for errors and stats: `system`, `transient`, `peer:12D3…`, `conn-7`, … */
  readonly name: string
  /** What the scope holds now. */
  stat(): ScopeStat
  /**
   * Highest usage / limit over the scope's resources, from 0 (idle or unlimited) to 1
   * (some resource at its limit). Lets a connection manager trim before a hard limit.
   */
  pressure(): number
  /**
   * Reserve `bytes` in this scope and every enclosing one.
   * @throws ResourceLimitError (`RESOURCE_LIMIT_EXCEEDED`) naming the scope that refused;
   *   nothing is reserved then. `RESOURCE_SCOPE_CLOSED` after `done()`.
   */
  reserveMemory(bytes: number, priority?: MemoryPriority): void
  /** Give back `bytes` earlier reserved here. Releasing more than reserved is a RangeError. */
  releaseMemory(bytes: number): void
  /**
   * A short-lived child scope whose reservations count here; `done()` (or `using`)
   * releases all of them at once.
   */
  beginSpan(): ResourceSpan
}

/** A closable scope. `done()` is idempotent; it releases everything the scope holds. */
export interface ClosableResourceScope extends ResourceScope, Disposable {
  done(): void
  /** True after `done()`. */
  readonly closed: boolean
}

/** A span: `using span = scope.beginSpan()` or `try { … } finally { span.done() }`. */
export interface ResourceSpan extends ClosableResourceScope {}

/** The scope of one connection. Holds one connection (and one fd when asked) from its opening. */
export interface ConnectionResourceScope extends ClosableResourceScope {
  readonly direction: Direction
  /** The peer, once `setPeer` has been called. */
  readonly peer: PeerId | undefined
  /**
   * Move the connection from the transient scope to `peer`'s scope, after the security
   * handshake. Called once.
   * @throws ResourceLimitError when the peer's scope is full; the connection stays transient.
   */
  setPeer(peer: PeerId): void
  /**
   * Open the scope of a stream on this connection (needs `setPeer` first). The stream
   * is transient until `setProtocol`.
   * @throws ResourceLimitError when a stream limit is reached.
   */
  openStream(direction: Direction): StreamResourceScope
  /** The connection's memory as a muxer `MemoryAccount` (reservations never throw there). */
  memoryAccount(priority?: MemoryPriority): MemoryAccount
}

/** The scope of one stream. */
export interface StreamResourceScope extends ClosableResourceScope {
  readonly direction: Direction
  readonly protocol: string | undefined
  readonly service: string | undefined
  /**
   * Attribute the stream to `protocol` (after multistream-select): it leaves the
   * transient scope and enters the protocol and protocol-peer scopes. Called once.
   * @throws ResourceLimitError when those scopes are full.
   */
  setProtocol(protocol: string): void
  /** Attribute the stream to `service` (the handler that owns it). Needs `setProtocol` first. */
  setService(service: string): void
  /** The stream's memory as a muxer `MemoryAccount`. */
  memoryAccount(priority?: MemoryPriority): MemoryAccount
}

/** Options of {@link ResourceManager.openConnection}. */
export interface OpenConnectionOptions {
  /** Whether the connection holds a file descriptor (TCP: yes; in-memory: no). Default true. */
  useFd?: boolean
}

/** The resource manager as its consumers see it. */
export interface ResourceManager {
  /**
   * Open the scope of a new connection, before any handshake. Checks the allowlist,
   * per-subnet caps and (inbound) the connection rate limit.
   * @throws ResourceLimitError (`RESOURCE_LIMIT_EXCEEDED`, `RESOURCE_RATE_LIMITED`).
   */
  openConnection(
    direction: Direction,
    remoteAddr: Multiaddr,
    options?: OpenConnectionOptions,
  ): ConnectionResourceScope
}

/** Codes raised by resource scopes. */
export type ResourceErrorCode =
  /** A reservation would exceed a scope's limit. */
  | 'RESOURCE_LIMIT_EXCEEDED'
  /** An inbound connection was refused by a rate limit (token bucket) of its subnet. */
  | 'RESOURCE_RATE_LIMITED'
  /** The scope was already closed with `done()`. */
  | 'RESOURCE_SCOPE_CLOSED'

/**
 * A refused reservation. Names the scope, the resource, what the scope held, what was
 * asked for and the limit, so that logs say exactly what was full.
 */
export class ResourceLimitError extends SwitchyardError<ResourceErrorCode> {
  /** The scope that refused (`system`, `peer:12D3…`, `subnet:10.0.0.0/24`, …). */
  readonly scope: string
  /** The resource that ran out (`'rate'` for a rate limit). */
  readonly resource: ResourceKind | 'rate'
  /** Usage of `resource` in `scope` before the refused reservation. */
  readonly current: number
  /** The amount that was asked for. */
  readonly requested: number
  /** The effective limit (after memory priority scaling). */
  readonly limit: number

  constructor(
    code: ResourceErrorCode,
    init: {
      scope: string
      resource: ResourceKind | 'rate'
      current: number
      requested: number
      limit: number
    },
  ) {
    super(
      code,
      code === 'RESOURCE_SCOPE_CLOSED'
        ? `resource scope ${init.scope} is closed`
        : code === 'RESOURCE_RATE_LIMITED'
          ? `${init.scope}: inbound connection rate limit reached (burst ${init.limit})`
          : `${init.scope}: cannot reserve ${init.requested} ${init.resource} (using ${init.current} of ${init.limit})`,
    )
    this.scope = init.scope
    this.resource = init.resource
    this.current = init.current
    this.requested = init.requested
    this.limit = init.limit
  }
}
