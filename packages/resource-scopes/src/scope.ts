/**
 * The accounting node of the scope DAG (after go-libp2p rcmgr's `resourceScope`).
 *
 * A scope counts what it holds: its own reservations plus those of its children.
 * Its constraints are either
 * - `edges`: the flattened list of every enclosing scope (a stream lists its
 *   connection, peer, protocol, … and system); each edge counts the reservation in
 *   itself only, so a scope reachable along two paths is never counted twice; or
 * - an `owner` (spans): the reservation is made in the owner, which passes it on
 *   along its own current constraints.
 *
 * A reservation is checked against every scope of the chain first and applied only
 * when all of them allow it, so a refusal leaves no partial state (JavaScript runs it
 * to completion; no lock or rollback is needed). Closing a scope closes its children
 * first, then releases what it still holds, once.
 */

import {
  type MemoryPriority,
  type ResourceKind,
  ResourceLimitError,
  type ScopeStat,
} from '@switchyard/interface'
import { RESOURCE_KINDS, type ScopeClass, type ScopeLimit } from './limits.js'

/** A change of the counted resources; absent fields are 0. */
export interface Delta {
  memory?: number
  fd?: number
  connsInbound?: number
  connsOutbound?: number
  streamsInbound?: number
  streamsOutbound?: number
}

type Counter = keyof Delta
const COUNTERS: readonly Counter[] = [
  'memory',
  'fd',
  'connsInbound',
  'connsOutbound',
  'streamsInbound',
  'streamsOutbound',
]

/** Share of the memory limit a reservation of each priority may fill (go: (1 + prio) / 256). */
export const MEMORY_PRIORITY_FRACTION: { readonly [P in MemoryPriority]: number } = {
  low: 0.4,
  medium: 0.6,
  high: 0.8,
  always: 1,
}

/** One reservation as the metrics hooks see it. */
export interface ReservationEvent {
  /** The scope the reservation was made in (its constraints were charged too). */
  readonly scope: string
  readonly scopeClass: ScopeClass
  readonly resource: ResourceKind
  readonly amount: number
}

/** Metrics hooks. They must not throw (an exception is caught and dropped). */
export interface ResourceMetrics {
  /** A reservation succeeded. */
  allowed?(event: ReservationEvent): void
  /** A reservation was refused; `error` names the scope that refused. */
  blocked?(event: ReservationEvent, error: ResourceLimitError): void
  /** A reservation was given back (also when a scope closes). */
  released?(event: ReservationEvent): void
}

/** What a scope needs from its manager. */
export interface ScopeContext {
  readonly metrics: ResourceMetrics | undefined
  /** Called after any change of a scope's usage (the manager watches pressure). */
  changed(scope: ScopeNode): void
  /** Called when a shared scope is no longer the constraint of any open scope. */
  unused(scope: ScopeNode): void
}

type State = 'open' | 'closing' | 'closed'

/** Options of a {@link ScopeNode}. */
export interface ScopeNodeInit {
  readonly name: string
  readonly scopeClass: ScopeClass
  readonly limit: ScopeLimit
  readonly context: ScopeContext
  readonly edges?: readonly ScopeNode[]
  readonly owner?: ScopeNode
}

function callHook(fn: () => void): void {
  try {
    fn()
  } catch {
    // Metrics must not break accounting; see ResourceMetrics.
  }
}

/** One node of the scope DAG. */
export class ScopeNode {
  readonly name: string
  readonly scopeClass: ScopeClass
  /** The limits; shared scopes may be given new ones (configuration reload). */
  limit: ScopeLimit
  readonly owner: ScopeNode | undefined
  readonly context: ScopeContext
  #edges: readonly ScopeNode[]
  #state: State = 'open'
  /** Open scopes that list this one as an edge, or are its spans. */
  #refs = 0
  /** Closable scopes whose lifetime this one bounds (streams of a connection, spans). */
  #children: Set<ScopeNode> | undefined
  readonly #usage: Required<Delta> = {
    memory: 0,
    fd: 0,
    connsInbound: 0,
    connsOutbound: 0,
    streamsInbound: 0,
    streamsOutbound: 0,
  }

  constructor(init: ScopeNodeInit) {
    this.name = init.name
    this.scopeClass = init.scopeClass
    this.limit = init.limit
    this.context = init.context
    this.owner = init.owner
    init.owner?.assertOpen()
    this.#edges = init.owner === undefined ? (init.edges ?? []) : []
    for (const e of this.#edges) e.#refs++
    if (init.owner !== undefined) init.owner.adopt(this)
  }

  /** True after `done()`. */
  get closed(): boolean {
    return this.#state === 'closed'
  }

  /** The scopes this one is constrained by (flattened; empty for spans). */
  get edges(): readonly ScopeNode[] {
    return this.#edges
  }

  /** Number of open scopes constrained by this one. */
  get refs(): number {
    return this.#refs
  }

  /** What the scope holds now (own reservations plus its children's). */
  stat(): ScopeStat {
    return { ...this.#usage }
  }

  /** Usage of one resource (`conns` and `streams` are totals). */
  usageOf(resource: ResourceKind): number {
    const u = this.#usage
    switch (resource) {
      case 'conns':
        return u.connsInbound + u.connsOutbound
      case 'streams':
        return u.streamsInbound + u.streamsOutbound
      default:
        return u[resource]
    }
  }

  /** usage / limit of one resource: 0 when idle or unlimited, Infinity when the limit is 0 but used. */
  pressureOf(resource: ResourceKind): number {
    const used = this.usageOf(resource)
    if (used === 0) return 0
    const limit = this.limit[resource]
    return limit === 0 ? Number.POSITIVE_INFINITY : used / limit
  }

  /** The highest {@link pressureOf} over all resources. */
  pressure(): number {
    let max = 0
    for (const r of RESOURCE_KINDS) {
      const p = this.pressureOf(r)
      if (p > max) max = p
    }
    return max
  }

  /** This scope followed by every scope a reservation here must also be approved by. */
  chain(): ScopeNode[] {
    if (this.owner !== undefined) return [this, ...this.owner.chain()]
    return [this, ...this.#edges]
  }

  /** Reserve `bytes` of memory here and in every constraint. */
  reserveMemory(bytes: number, priority: MemoryPriority = 'always'): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`reserveMemory: bytes must be a non-negative integer (got ${bytes})`)
    }
    if (!(priority in MEMORY_PRIORITY_FRACTION)) {
      throw new TypeError(`reserveMemory: unknown priority ${String(priority)}`)
    }
    if (bytes === 0) return
    this.reserve({ memory: bytes }, priority)
  }

  /** Give back `bytes` of memory reserved here. */
  releaseMemory(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`releaseMemory: bytes must be a non-negative integer (got ${bytes})`)
    }
    if (bytes === 0 || this.#state === 'closed') return
    this.release({ memory: bytes })
  }

  /**
   * Reserve `delta` here and in every constraint, or nothing.
   * @throws ResourceLimitError naming the first scope of the chain that refuses.
   */
  reserve(delta: Delta, priority: MemoryPriority = 'always'): void {
    const chain = this.chain()
    for (const s of chain) {
      // A closed scope anywhere in the chain (a span's owner, a stream's connection)
      // refuses: its usage was released once already.
      if (s.#state !== 'open') throw s.closedError(firstResource(delta))
      const err = s.#refusal(delta, priority)
      if (err !== undefined) {
        const blocked = this.context.metrics?.blocked
        if (blocked !== undefined) {
          this.#events(delta, (e) => callHook(() => blocked.call(this.context.metrics, e, err)))
        }
        throw err
      }
    }
    for (const s of chain) s.#apply(delta, 1)
    for (const s of chain) this.context.changed(s)
    const allowed = this.context.metrics?.allowed
    if (allowed !== undefined)
      this.#events(delta, (e) => callHook(() => allowed.call(this.context.metrics, e)))
  }

  /**
   * Give back `delta`, reserved here earlier.
   * @throws RangeError when this scope holds less than `delta`.
   */
  release(delta: Delta): void {
    for (const k of COUNTERS) {
      const n = delta[k] ?? 0
      if (n > this.#usage[k]) {
        throw new RangeError(`${this.name}: cannot release ${n} ${k}, only ${this.#usage[k]} reserved`)
      }
    }
    const chain = this.chain()
    for (const s of chain) s.#apply(delta, -1)
    for (const s of chain) this.context.changed(s)
    const released = this.context.metrics?.released
    if (released !== undefined)
      this.#events(delta, (e) => callHook(() => released.call(this.context.metrics, e)))
  }

  /**
   * Replace the constraints: what this scope holds leaves the edges dropped and enters
   * the edges added (checked against their limits at priority `always`, all or nothing).
   * Only for scopes without an owner, and only while no child lists this scope's
   * current edges (callers guarantee it: a connection gets its peer before streams).
   * @throws ResourceLimitError when an added edge cannot take the usage.
   */
  moveTo(edges: readonly ScopeNode[]): void {
    this.assertOpen()
    const old = this.#edges
    const added = edges.filter((e) => !old.includes(e))
    const removed = old.filter((e) => !edges.includes(e))
    const held = this.stat() as Delta
    for (const e of added) {
      const err = e.#refusal(held, 'always')
      if (err !== undefined) throw err
    }
    for (const e of added) {
      e.#apply(held, 1)
      e.#refs++
    }
    this.#edges = edges
    for (const e of removed) e.#apply(held, -1)
    for (const e of [...added, ...removed]) this.context.changed(e)
    for (const e of removed) e.#unref()
  }

  /**
   * Close the scope: close its children, release everything it holds, drop its
   * constraints. Idempotent.
   */
  done(): void {
    if (this.#state !== 'open') return
    this.#state = 'closing'
    if (this.#children !== undefined) for (const child of [...this.#children]) child.done()
    const held = this.stat() as Delta
    if (COUNTERS.some((k) => this.#usage[k] !== 0)) this.release(held)
    this.#state = 'closed'
    for (const e of this.#edges) e.#unref()
    this.owner?.disown(this)
    this.onDone()
  }

  /** @throws ResourceLimitError `RESOURCE_SCOPE_CLOSED` unless the scope is open. */
  assertOpen(): void {
    if (this.#state !== 'open') throw this.closedError('memory')
  }

  /** The error of an operation on this scope after `done()`. */
  closedError(resource: ResourceKind): ResourceLimitError {
    return new ResourceLimitError('RESOURCE_SCOPE_CLOSED', {
      scope: this.name,
      resource,
      current: 0,
      requested: 0,
      limit: 0,
    })
  }

  /** Subclasses' hook, run once at the end of `done()`. */
  protected onDone(): void {}

  /** Registers `child` to be closed with this scope. */
  adopt(child: ScopeNode): void {
    this.#children ??= new Set()
    this.#children.add(child)
  }

  /** Unregisters a closed child. */
  disown(child: ScopeNode): void {
    this.#children?.delete(child)
  }

  /** Number of open children (streams, spans). */
  get childCount(): number {
    return this.#children?.size ?? 0
  }

  #unref(): void {
    if (--this.#refs === 0) this.context.unused(this)
  }

  #apply(delta: Delta, sign: 1 | -1): void {
    const u = this.#usage
    for (const k of COUNTERS) {
      const n = delta[k]
      if (n !== undefined && n !== 0) u[k] += sign * n
    }
  }

  #refusal(delta: Delta, priority: MemoryPriority): ResourceLimitError | undefined {
    const u = this.#usage
    const L = this.limit
    const mem = delta.memory ?? 0
    if (mem > 0) {
      const limit =
        L.memory === Number.POSITIVE_INFINITY
          ? L.memory
          : Math.floor(L.memory * MEMORY_PRIORITY_FRACTION[priority])
      // The sum also fails when it leaves the safe-integer range (overflow check).
      if (!(u.memory + mem <= limit) || !Number.isSafeInteger(u.memory + mem)) {
        return limitError(this.name, 'memory', u.memory, mem, limit)
      }
    }
    const fd = delta.fd ?? 0
    if (fd > 0 && u.fd + fd > L.fd) return limitError(this.name, 'fd', u.fd, fd, L.fd)
    const ci = delta.connsInbound ?? 0
    const co = delta.connsOutbound ?? 0
    if (ci > 0 && u.connsInbound + ci > L.connsInbound) {
      return limitError(this.name, 'connsInbound', u.connsInbound, ci, L.connsInbound)
    }
    if (co > 0 && u.connsOutbound + co > L.connsOutbound) {
      return limitError(this.name, 'connsOutbound', u.connsOutbound, co, L.connsOutbound)
    }
    const conns = u.connsInbound + u.connsOutbound
    if (ci + co > 0 && conns + ci + co > L.conns)
      return limitError(this.name, 'conns', conns, ci + co, L.conns)
    const si = delta.streamsInbound ?? 0
    const so = delta.streamsOutbound ?? 0
    if (si > 0 && u.streamsInbound + si > L.streamsInbound) {
      return limitError(this.name, 'streamsInbound', u.streamsInbound, si, L.streamsInbound)
    }
    if (so > 0 && u.streamsOutbound + so > L.streamsOutbound) {
      return limitError(this.name, 'streamsOutbound', u.streamsOutbound, so, L.streamsOutbound)
    }
    const streams = u.streamsInbound + u.streamsOutbound
    if (si + so > 0 && streams + si + so > L.streams) {
      return limitError(this.name, 'streams', streams, si + so, L.streams)
    }
    return undefined
  }

  #events(delta: Delta, emit: (e: ReservationEvent) => void): void {
    for (const k of COUNTERS) {
      const n = delta[k]
      if (n !== undefined && n !== 0)
        emit({ scope: this.name, scopeClass: this.scopeClass, resource: k, amount: n })
    }
  }
}

function limitError(
  scope: string,
  resource: ResourceKind,
  current: number,
  requested: number,
  limit: number,
): ResourceLimitError {
  return new ResourceLimitError('RESOURCE_LIMIT_EXCEEDED', { scope, resource, current, requested, limit })
}

function firstResource(delta: Delta): ResourceKind {
  for (const k of COUNTERS) if ((delta[k] ?? 0) !== 0) return k
  return 'memory'
}
