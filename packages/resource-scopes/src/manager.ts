/**
 * The resource manager: owns the shared scopes (system, transient, allowlisted
 * system / transient, and per peer, protocol, protocol-peer, service, service-peer
 * scopes created on demand and dropped when unused), admits connections (allowlist,
 * per-subnet caps, inbound rate limits, scope limits) and reports stats and pressure.
 *
 * It owns no timer: token buckets refill lazily from the injected clock.
 */

import type { Multiaddr } from '@multiformats/multiaddr'
import {
  type Direction,
  type OpenConnectionOptions,
  type PeerId,
  type ResourceKind,
  ResourceLimitError,
  type ResourceManager,
  type ScopeStat,
} from '@switchyard/interface'
import { Allowlist } from './allowlist.js'
import type { AutoscaleResult } from './autoscale.js'
import { type ResolvedConfig, resolveConfig } from './config.js'
import { ConnectionScope } from './connection-scope.js'
import { type IpAddress, isLoopback, parseIp } from './ip.js'
import {
  type LimitValue,
  limitValueOf,
  RESOURCE_KINDS,
  type ResourceLimitsConfig,
  type ScopeLimit,
} from './limits.js'
import { type Clock, SubnetRateLimiter } from './rate-limit.js'
import type { ScopeRegistry } from './registry.js'
import { type ResourceMetrics, type ScopeContext, ScopeNode } from './scope.js'
import { SubnetConnLimiter } from './subnet-limit.js'

/** A change of the system scope's pressure level (see README, "Pressure"). */
export interface PressureEvent {
  /** `high` when some system resource reached `highWater`; `normal` when all fell to `lowWater`. */
  readonly level: 'high' | 'normal'
  /** The system scope's pressure at the change. */
  readonly pressure: number
  /** The resource with the highest pressure. */
  readonly resource: ResourceKind
}

/** Options of {@link createResourceManager}. */
export interface ResourceManagerInit {
  /** The JSON-compatible limits configuration; validated (unknown keys are errors). */
  limits?: ResourceLimitsConfig
  /** Milliseconds, monotonic. Default `performance.now`. */
  clock?: Clock
  /** Metrics hooks. */
  metrics?: ResourceMetrics
  /** Called when the system pressure level changes. Must not throw. */
  onPressure?: (event: PressureEvent) => void
}

/** Defaults of {@link ResourceManagerInit}. */
export const resourceManagerDefaults = {
  clock: (): number => performance.now(),
} as const

/** One scope in a stats snapshot (JSON-compatible: unlimited is `'unlimited'`). */
export interface ScopeSnapshot {
  readonly usage: ScopeStat
  readonly limit: { readonly [K in ResourceKind]: LimitValue }
  readonly pressure: number
}

/** A snapshot of the whole manager. */
export interface ResourceStats {
  readonly system: ScopeSnapshot
  readonly transient: ScopeSnapshot
  readonly allowlistedSystem: ScopeSnapshot
  readonly allowlistedTransient: ScopeSnapshot
  readonly peers: Readonly<Record<string, ScopeSnapshot>>
  readonly protocols: Readonly<Record<string, ScopeSnapshot>>
  readonly services: Readonly<Record<string, ScopeSnapshot>>
  /** Keyed `<protocol> <peer>`. */
  readonly protocolPeers: Readonly<Record<string, ScopeSnapshot>>
  /** Keyed `<service> <peer>`. */
  readonly servicePeers: Readonly<Record<string, ScopeSnapshot>>
  /** Open connection scopes. */
  readonly connections: number
  /** Subnets with at least one counted connection. */
  readonly subnets: number
  /** Live rate-limit buckets. */
  readonly rateBuckets: number
  /** The inputs autoscaling used. */
  readonly autoscale: AutoscaleResult
}

function snapshot(scope: ScopeNode): ScopeSnapshot {
  const limit = {} as Record<ResourceKind, LimitValue>
  for (const k of RESOURCE_KINDS) limit[k] = limitValueOf(scope.limit[k])
  return { usage: scope.stat(), limit, pressure: scope.pressure() }
}

/** `stillAllowlisted` of a connection that was not allowlisted. */
const refusePeer = (): boolean => false

/** The IP address of a multiaddr (`/ip4/…`, `/ip6/…`, `/ip6zone/…/ip6/…`), if it has one. */
export function ipOfMultiaddr(addr: Multiaddr): IpAddress | undefined {
  for (const c of addr.getComponents()) {
    if (c.name === 'ip6zone') continue
    if ((c.name === 'ip4' || c.name === 'ip6') && c.value !== undefined) return parseIp(c.value)
    return undefined
  }
  return undefined
}

/** The resource manager. Implements the consumers' {@link ResourceManager}. */
export class ScopedResourceManager implements ResourceManager {
  /** The concrete configuration in effect. */
  readonly config: ResolvedConfig
  readonly #clock: Clock
  readonly #onPressure: ((event: PressureEvent) => void) | undefined
  readonly #context: ScopeContext
  readonly #allowlist: Allowlist
  readonly #subnets: SubnetConnLimiter
  readonly #rates: SubnetRateLimiter
  readonly #system: ScopeNode
  readonly #transient: ScopeNode
  readonly #allowlistedSystem: ScopeNode
  readonly #allowlistedTransient: ScopeNode
  readonly #peers = new Map<string, ScopeNode>()
  readonly #protocols = new Map<string, ScopeNode>()
  readonly #services = new Map<string, ScopeNode>()
  readonly #protocolPeers = new Map<string, ScopeNode>()
  readonly #servicePeers = new Map<string, ScopeNode>()
  readonly #registry: ScopeRegistry
  /** Where each on-demand shared scope is registered, to drop it when unused. */
  readonly #registered = new Map<ScopeNode, { map: Map<string, ScopeNode>; key: string }>()
  #pressureHigh = false
  #connections = 0
  #ids = 0

  constructor(init: ResourceManagerInit = {}) {
    this.config = resolveConfig(init.limits)
    this.#clock = init.clock ?? resourceManagerDefaults.clock
    this.#onPressure = init.onPressure
    this.#context = {
      metrics: init.metrics,
      changed: (scope) => {
        if (scope === this.#system) this.#checkPressure()
      },
      unused: (scope) => this.#drop(scope),
    }
    this.#allowlist = new Allowlist(this.config.allowlist)
    this.#subnets = new SubnetConnLimiter(this.config.subnetConnLimits)
    this.#rates = new SubnetRateLimiter(this.config.inboundRateLimits, this.#clock)
    const l = this.config.limits
    const shared = (
      name: string,
      scopeClass: ScopeNode['scopeClass'],
      limit: ScopeLimit,
      edges: ScopeNode[] = [],
    ) => new ScopeNode({ name, scopeClass, limit, context: this.#context, edges })
    this.#system = shared('system', 'system', l.system)
    this.#transient = shared('transient', 'transient', l.transient)
    this.#allowlistedSystem = shared('allowlisted-system', 'allowlistedSystem', l.allowlistedSystem)
    this.#allowlistedTransient = shared(
      'allowlisted-transient',
      'allowlistedTransient',
      l.allowlistedTransient,
    )

    const named = this.config.named
    const getOrCreate = (map: Map<string, ScopeNode>, key: string, create: () => ScopeNode): ScopeNode => {
      let s = map.get(key)
      if (s === undefined) {
        s = create()
        map.set(key, s)
        this.#registered.set(s, { map, key })
      }
      return s
    }
    this.#registry = {
      system: this.#system,
      transient: this.#transient,
      allowlistedSystem: this.#allowlistedSystem,
      allowlistedTransient: this.#allowlistedTransient,
      connLimit: l.conn,
      streamLimit: l.stream,
      nextId: () => ++this.#ids,
      peer: (peer) => {
        const id = peer.toString()
        return getOrCreate(this.#peers, id, () => shared(`peer:${id}`, 'peer', named.peer.get(id) ?? l.peer))
      },
      protocol: (p) =>
        getOrCreate(this.#protocols, p, () =>
          shared(`protocol:${p}`, 'protocol', named.protocol.get(p) ?? l.protocol),
        ),
      service: (s) =>
        getOrCreate(this.#services, s, () =>
          shared(`service:${s}`, 'service', named.service.get(s) ?? l.service),
        ),
      protocolPeer: (p, peer) => {
        const id = peer.toString()
        return getOrCreate(this.#protocolPeers, `${p} ${id}`, () =>
          shared(`protocol-peer:${p}:${id}`, 'protocolPeer', named.protocolPeer.get(p) ?? l.protocolPeer),
        )
      },
      servicePeer: (s, peer) => {
        const id = peer.toString()
        return getOrCreate(this.#servicePeers, `${s} ${id}`, () =>
          shared(`service-peer:${s}:${id}`, 'servicePeer', named.servicePeer.get(s) ?? l.servicePeer),
        )
      },
      release: (scope) => {
        if (scope.refs === 0) this.#drop(scope)
      },
    }
  }

  /**
   * Opens the scope of a new connection (see {@link ResourceManager.openConnection}).
   * Order of checks: allowlist; inbound rate limit and per-subnet cap (neither for
   * allowlisted or loopback addresses); then the (allowlisted) transient and system scopes.
   */
  openConnection(
    direction: Direction,
    remoteAddr: Multiaddr,
    options: OpenConnectionOptions = {},
  ): ConnectionScope {
    if (direction !== 'inbound' && direction !== 'outbound') {
      throw new TypeError(
        `openConnection: direction must be 'inbound' or 'outbound' (got ${String(direction)})`,
      )
    }
    if (
      remoteAddr === null ||
      typeof remoteAddr !== 'object' ||
      typeof remoteAddr.getComponents !== 'function'
    ) {
      throw new TypeError('openConnection: remoteAddr must be a Multiaddr')
    }
    const ip = ipOfMultiaddr(remoteAddr)
    const allowlisted = ip !== undefined && this.#allowlist.allowsAddr(ip)
    const limited = ip !== undefined && !allowlisted && !isLoopback(ip)
    if (limited && direction === 'inbound') {
      const refusal = this.#rates.check(ip)
      if (refusal !== undefined) {
        throw new ResourceLimitError('RESOURCE_RATE_LIMITED', {
          scope: refusal.scope,
          resource: 'rate',
          current: refusal.limit.burst,
          requested: 1,
          limit: refusal.limit.burst,
        })
      }
    }
    let releaseSubnet: (() => void) | undefined
    if (limited) {
      const got = this.#subnets.acquire(ip)
      if (!('release' in got)) {
        throw new ResourceLimitError('RESOURCE_LIMIT_EXCEEDED', {
          scope: got.scope,
          resource: 'conns',
          current: got.current,
          requested: 1,
          limit: got.limit,
        })
      }
      releaseSubnet = got.release
    }
    const scope = new ConnectionScope(this.#registry, {
      direction,
      useFd: options.useFd ?? true,
      allowlisted,
      stillAllowlisted: allowlisted && ip !== undefined ? this.#allowsPeerAt(ip) : refusePeer,
      onDone: this.#connectionDone(releaseSubnet),
    })
    this.#connections++
    return scope
  }

  // The scope's callbacks are made here rather than inline in openConnection, so
  // that they capture only what they use, not its whole context (they live as long
  // as the connection).
  #allowsPeerAt(ip: IpAddress): (peer: PeerId) => boolean {
    return (peer) => this.#allowlist.allowsPeerAt(ip, peer)
  }

  #connectionDone(releaseSubnet: (() => void) | undefined): (opened: boolean) => void {
    // A refused scope closes itself at once (opened: false): it was never counted.
    return (opened) => {
      releaseSubnet?.()
      if (opened) this.#connections--
    }
  }

  /** A JSON-compatible snapshot of every scope. */
  stat(): ResourceStats {
    const all = (map: Map<string, ScopeNode>) => {
      const out: Record<string, ScopeSnapshot> = {}
      for (const [k, s] of map) out[k] = snapshot(s)
      return out
    }
    return {
      system: snapshot(this.#system),
      transient: snapshot(this.#transient),
      allowlistedSystem: snapshot(this.#allowlistedSystem),
      allowlistedTransient: snapshot(this.#allowlistedTransient),
      peers: all(this.#peers),
      protocols: all(this.#protocols),
      services: all(this.#services),
      protocolPeers: all(this.#protocolPeers),
      servicePeers: all(this.#servicePeers),
      connections: this.#connections,
      subnets: this.#subnets.subnetCount,
      rateBuckets: this.#rates.bucketCount,
      autoscale: this.config.autoscale,
    }
  }

  /** The system scope's pressure: its highest usage / limit. */
  pressure(): number {
    return this.#system.pressure()
  }

  /** The pressure of one peer's scope (0 when the peer holds nothing). */
  peerPressure(peer: PeerId): number {
    return this.#peers.get(peer.toString())?.pressure() ?? 0
  }

  /**
   * Connection-manager watermarks derived from the same configuration: start trimming
   * at `highWater × system.conns`, stop at `lowWater × system.conns`.
   */
  watermarks(): { readonly highConns: number; readonly lowConns: number } {
    const limit = this.#system.limit.conns
    const { highWater, lowWater } = this.config.pressure
    return { highConns: Math.floor(limit * highWater), lowConns: Math.floor(limit * lowWater) }
  }

  /**
   * How many connections a connection manager should close now: 0 while system
   * pressure p < highWater; otherwise ceil(conns × (1 − lowWater / p)), which brings
   * the most pressed resource to lowWater if usage is proportional to connections
   * (exactly so when that resource is `conns`).
   */
  connectionsToTrim(): number {
    const p = this.#system.pressure()
    const { highWater, lowWater } = this.config.pressure
    if (p < highWater) return 0
    const conns = this.#system.usageOf('conns')
    if (p === Number.POSITIVE_INFINITY) return conns
    return Math.ceil(conns * (1 - lowWater / p) - 1e-9)
  }

  #checkPressure(): void {
    if (this.#onPressure === undefined) return
    const p = this.#system.pressure()
    const { highWater, lowWater } = this.config.pressure
    let level: PressureEvent['level'] | undefined
    if (!this.#pressureHigh && p >= highWater) level = 'high'
    else if (this.#pressureHigh && p <= lowWater) level = 'normal'
    if (level === undefined) return
    this.#pressureHigh = level === 'high'
    let resource: ResourceKind = 'memory'
    for (const r of RESOURCE_KINDS)
      if (this.#system.pressureOf(r) > this.#system.pressureOf(resource)) resource = r
    try {
      this.#onPressure({ level, pressure: p, resource })
    } catch {
      // See ResourceManagerInit.onPressure.
    }
  }

  #drop(scope: ScopeNode): void {
    // Only the on-demand shared scopes are registered; system, transient and the
    // allowlisted ones live as long as the manager.
    const entry = this.#registered.get(scope)
    if (entry === undefined || scope.refs !== 0) return
    entry.map.delete(entry.key)
    this.#registered.delete(scope)
  }
}

/** Creates a resource manager. */
export function createResourceManager(init?: ResourceManagerInit): ScopedResourceManager {
  return new ScopedResourceManager(init)
}
