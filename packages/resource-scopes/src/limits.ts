/**
 * Limits of one scope, and the shape of the JSON-compatible configuration.
 *
 * A configured limit is a non-negative integer or `'unlimited'`; a resolved limit is a
 * number where `Infinity` means unlimited. Only the resources a scope can hold matter
 * for it (a stream scope never holds connections).
 */

import type { ResourceKind } from '@switchyard/interface'

/** A limit as written in configuration. */
export type LimitValue = number | 'unlimited'

/** The limits of one scope as written in configuration; absent fields keep their default. */
export type ScopeLimitConfig = { readonly [K in ResourceKind]?: LimitValue }

/** The limits of one scope, resolved: `Infinity` is unlimited. */
export type ScopeLimit = { readonly [K in ResourceKind]: number }

/** Every resource kind, in a fixed order (for validation, stats and pressure). */
export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'memory',
  'fd',
  'conns',
  'connsInbound',
  'connsOutbound',
  'streams',
  'streamsInbound',
  'streamsOutbound',
]

/** The classes of scope that have their own limits. */
export type ScopeClass =
  | 'system'
  | 'transient'
  | 'allowlistedSystem'
  | 'allowlistedTransient'
  | 'service'
  | 'servicePeer'
  | 'protocol'
  | 'protocolPeer'
  | 'peer'
  | 'conn'
  | 'stream'
  | 'span'

/** One rule of per-subnet concurrent connection caps. */
export interface SubnetConnLimit {
  /** Prefix length: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefixLength: number
  /** Connections (both directions) allowed at once from one such subnet. */
  readonly conns: number
}

/** One token bucket: `burst` connections at once, refilled at `perSecond`. */
export interface RateLimit {
  readonly perSecond: number
  readonly burst: number
}

/** One per-subnet token bucket rule. */
export interface SubnetRateLimit extends RateLimit {
  readonly prefixLength: number
}

/** Inputs of autoscaling (see README, "Autoscaling"). */
export interface AutoscaleConfig {
  /** Total system memory in bytes. Default: `os.totalmem()`. */
  readonly memoryBytes?: number
  /** The process's file-descriptor limit. Default: the soft `RLIMIT_NOFILE` (Linux), else 1024. */
  readonly fdLimit?: number
  /** Share of system memory the node may use. Default 1/8. */
  readonly memoryFraction?: number
  /** Share of the fd limit the node may use. Default 1/2. */
  readonly fdFraction?: number
}

/** When the connection manager should start trimming, and how far. */
export interface PressureConfig {
  /** Trim when some system resource reaches this share of its limit. Default 0.9. */
  readonly highWater?: number
  /** …down to this share. Default 0.8. */
  readonly lowWater?: number
}

/** The whole configuration: plain JSON, every field optional. */
export interface ResourceLimitsConfig {
  readonly autoscale?: AutoscaleConfig
  readonly system?: ScopeLimitConfig
  readonly transient?: ScopeLimitConfig
  readonly allowlistedSystem?: ScopeLimitConfig
  readonly allowlistedTransient?: ScopeLimitConfig
  readonly serviceDefault?: ScopeLimitConfig
  readonly servicePeerDefault?: ScopeLimitConfig
  readonly protocolDefault?: ScopeLimitConfig
  readonly protocolPeerDefault?: ScopeLimitConfig
  readonly peerDefault?: ScopeLimitConfig
  readonly conn?: ScopeLimitConfig
  readonly stream?: ScopeLimitConfig
  /** Per service name. */
  readonly service?: Readonly<Record<string, ScopeLimitConfig>>
  /** Per service name: the limits of each peer within that service. */
  readonly servicePeer?: Readonly<Record<string, ScopeLimitConfig>>
  /** Per protocol id. */
  readonly protocol?: Readonly<Record<string, ScopeLimitConfig>>
  /** Per protocol id: the limits of each peer within that protocol. */
  readonly protocolPeer?: Readonly<Record<string, ScopeLimitConfig>>
  /** Per peer id (base58btc string). */
  readonly peer?: Readonly<Record<string, ScopeLimitConfig>>
  /**
   * Addresses whose connections use the allowlisted system/transient scopes and skip
   * subnet caps and rate limits: `/ip4/10.0.0.0/ipcidr/8`, `/ip6/…/p2p/12D3…`,
   * `192.168.0.0/16`, `2001:db8::1`.
   */
  readonly allowlist?: readonly string[]
  /** Concurrent connection caps per subnet. */
  readonly subnetConnLimits?: {
    readonly ipv4?: readonly SubnetConnLimit[]
    readonly ipv6?: readonly SubnetConnLimit[]
  }
  /** Token buckets for inbound connections. */
  readonly inboundRateLimits?: {
    readonly global?: RateLimit | null
    readonly ipv4?: readonly SubnetRateLimit[]
    readonly ipv6?: readonly SubnetRateLimit[]
  }
  readonly pressure?: PressureConfig
}

/** Resolves a configured value (validated already). */
export function resolveLimitValue(v: LimitValue): number {
  return v === 'unlimited' ? Number.POSITIVE_INFINITY : v
}

/** The JSON form of a resolved limit value. */
export function limitValueOf(n: number): LimitValue {
  return n === Number.POSITIVE_INFINITY ? 'unlimited' : n
}

/** `base` with every field set in `override` replaced. */
export function applyOverride(base: ScopeLimit, override: ScopeLimitConfig | undefined): ScopeLimit {
  if (override === undefined) return base
  const out: Record<ResourceKind, number> = { ...base }
  for (const k of RESOURCE_KINDS) {
    const v = override[k]
    if (v !== undefined) out[k] = resolveLimitValue(v)
  }
  return out
}

/** A limit with every resource unlimited (scopes that only count, like spans). */
export const UNLIMITED: ScopeLimit = Object.freeze({
  memory: Number.POSITIVE_INFINITY,
  fd: Number.POSITIVE_INFINITY,
  conns: Number.POSITIVE_INFINITY,
  connsInbound: Number.POSITIVE_INFINITY,
  connsOutbound: Number.POSITIVE_INFINITY,
  streams: Number.POSITIVE_INFINITY,
  streamsInbound: Number.POSITIVE_INFINITY,
  streamsOutbound: Number.POSITIVE_INFINITY,
})
