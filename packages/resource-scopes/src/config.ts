/**
 * Validation and resolution of the JSON-compatible configuration.
 *
 * `validateConfig` checks an untrusted object (parsed from a file, say) and throws a
 * TypeError / RangeError whose message names the offending path and says what was
 * expected; unknown keys are errors, so a typo does not silently keep a default.
 * `resolveConfig` turns a valid configuration into concrete limits.
 */

import { parseAllowlistEntry } from './allowlist.js'
import { type AutoscaleResult, autoscaleInputs, scaledDefaults } from './autoscale.js'
import {
  applyOverride,
  type PressureConfig,
  type RateLimit,
  RESOURCE_KINDS,
  type ResourceLimitsConfig,
  type ScopeClass,
  type ScopeLimit,
  type ScopeLimitConfig,
  type SubnetConnLimit,
  type SubnetRateLimit,
} from './limits.js'

/** Defaults of everything in the configuration that is not a scope limit. */
export const configDefaults = {
  subnetConnLimits: {
    ipv4: [{ prefixLength: 32, conns: 8 }] as readonly SubnetConnLimit[],
    ipv6: [
      { prefixLength: 56, conns: 8 },
      { prefixLength: 48, conns: 64 },
    ] as readonly SubnetConnLimit[],
  },
  inboundRateLimits: {
    global: null as RateLimit | null,
    ipv4: [{ prefixLength: 32, perSecond: 1, burst: 16 }] as readonly SubnetRateLimit[],
    ipv6: [
      { prefixLength: 56, perSecond: 1, burst: 16 },
      { prefixLength: 48, perSecond: 5, burst: 64 },
    ] as readonly SubnetRateLimit[],
  },
  pressure: { highWater: 0.9, lowWater: 0.8 },
} as const

const SCOPE_KEYS = [
  'system',
  'transient',
  'allowlistedSystem',
  'allowlistedTransient',
  'serviceDefault',
  'servicePeerDefault',
  'protocolDefault',
  'protocolPeerDefault',
  'peerDefault',
  'conn',
  'stream',
] as const
const NAMED_KEYS = ['service', 'servicePeer', 'protocol', 'protocolPeer', 'peer'] as const
const TOP_KEYS = [
  ...SCOPE_KEYS,
  ...NAMED_KEYS,
  'autoscale',
  'allowlist',
  'subnetConnLimits',
  'inboundRateLimits',
  'pressure',
] as const

const PREFIX = 'resource limits'

function fail(path: string, what: string, got: unknown, Err: typeof TypeError = TypeError): never {
  let shown: string
  try {
    shown = typeof got === 'string' ? JSON.stringify(got) : String(JSON.stringify(got) ?? got)
  } catch {
    shown = String(got)
  }
  throw new Err(`${PREFIX}: "${path}" must be ${what} (got ${shown})`)
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkKeys(path: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new TypeError(
        `${PREFIX}: unknown key "${path === '' ? k : `${path}.${k}`}" (expected one of: ${allowed.join(', ')})`,
      )
    }
  }
}

function object(path: string, v: unknown): Record<string, unknown> {
  if (!isPlainObject(v)) fail(path, 'an object', v)
  return v
}

function nonNegativeInteger(path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fail(path, 'a non-negative integer', v, typeof v === 'number' ? RangeError : TypeError)
  }
  return v
}

function positiveNumber(path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    fail(path, 'a positive finite number', v, typeof v === 'number' ? RangeError : TypeError)
  }
  return v
}

function fraction(path: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) {
    fail(path, 'a number in (0, 1]', v, typeof v === 'number' ? RangeError : TypeError)
  }
  return v
}

function validateScopeLimit(path: string, v: unknown): void {
  const obj = object(path, v)
  checkKeys(path, obj, RESOURCE_KINDS)
  for (const [k, x] of Object.entries(obj)) {
    if (x === 'unlimited') continue
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
      fail(
        `${path}.${k}`,
        'a non-negative integer or "unlimited"',
        x,
        typeof x === 'number' ? RangeError : TypeError,
      )
    }
  }
}

function validatePrefixRules(
  path: string,
  v: unknown,
  family: 'ipv4' | 'ipv6',
  fields: readonly string[],
): void {
  if (!Array.isArray(v)) fail(path, 'an array', v)
  const max = family === 'ipv4' ? 32 : 128
  v.forEach((rule, i) => {
    const p = `${path}[${i}]`
    const obj = object(p, rule)
    checkKeys(p, obj, ['prefixLength', ...fields])
    const len = nonNegativeInteger(`${p}.prefixLength`, obj.prefixLength)
    if (len > max) fail(`${p}.prefixLength`, `at most ${max} for ${family}`, len, RangeError)
    for (const f of fields) {
      if (f === 'perSecond') positiveNumber(`${p}.${f}`, obj[f])
      else if (f === 'burst') {
        if (nonNegativeInteger(`${p}.${f}`, obj[f]) < 1) fail(`${p}.${f}`, 'at least 1', obj[f], RangeError)
      } else nonNegativeInteger(`${p}.${f}`, obj[f])
    }
  })
}

/**
 * Checks that `config` is a valid {@link ResourceLimitsConfig} and returns it typed.
 * @throws TypeError (wrong type, unknown key) or RangeError (out of range), naming the path.
 */
export function validateConfig(config: unknown): ResourceLimitsConfig {
  if (config === undefined) return {}
  const top = object('', config)
  checkKeys('', top, TOP_KEYS)
  for (const k of SCOPE_KEYS) if (top[k] !== undefined) validateScopeLimit(k, top[k])
  for (const k of NAMED_KEYS) {
    if (top[k] === undefined) continue
    for (const [name, limit] of Object.entries(object(k, top[k]))) validateScopeLimit(`${k}.${name}`, limit)
  }
  if (top.autoscale !== undefined) {
    const a = object('autoscale', top.autoscale)
    checkKeys('autoscale', a, ['memoryBytes', 'fdLimit', 'memoryFraction', 'fdFraction'])
    if (a.memoryBytes !== undefined) nonNegativeInteger('autoscale.memoryBytes', a.memoryBytes)
    if (a.fdLimit !== undefined) nonNegativeInteger('autoscale.fdLimit', a.fdLimit)
    if (a.memoryFraction !== undefined) fraction('autoscale.memoryFraction', a.memoryFraction)
    if (a.fdFraction !== undefined) fraction('autoscale.fdFraction', a.fdFraction)
  }
  if (top.allowlist !== undefined) {
    if (!Array.isArray(top.allowlist)) fail('allowlist', 'an array of strings', top.allowlist)
    top.allowlist.forEach((entry, i) => {
      if (typeof entry !== 'string') fail(`allowlist[${i}]`, 'a string', entry)
      try {
        parseAllowlistEntry(entry)
      } catch (err) {
        throw new RangeError(`${PREFIX}: "allowlist[${i}]": ${(err as Error).message}`)
      }
    })
  }
  if (top.subnetConnLimits !== undefined) {
    const s = object('subnetConnLimits', top.subnetConnLimits)
    checkKeys('subnetConnLimits', s, ['ipv4', 'ipv6'])
    for (const fam of ['ipv4', 'ipv6'] as const) {
      if (s[fam] !== undefined) validatePrefixRules(`subnetConnLimits.${fam}`, s[fam], fam, ['conns'])
    }
  }
  if (top.inboundRateLimits !== undefined) {
    const r = object('inboundRateLimits', top.inboundRateLimits)
    checkKeys('inboundRateLimits', r, ['global', 'ipv4', 'ipv6'])
    for (const fam of ['ipv4', 'ipv6'] as const) {
      if (r[fam] !== undefined)
        validatePrefixRules(`inboundRateLimits.${fam}`, r[fam], fam, ['perSecond', 'burst'])
    }
    if (r.global !== undefined && r.global !== null) {
      const g = object('inboundRateLimits.global', r.global)
      checkKeys('inboundRateLimits.global', g, ['perSecond', 'burst'])
      positiveNumber('inboundRateLimits.global.perSecond', g.perSecond)
      if (nonNegativeInteger('inboundRateLimits.global.burst', g.burst) < 1) {
        fail('inboundRateLimits.global.burst', 'at least 1', g.burst, RangeError)
      }
    }
  }
  if (top.pressure !== undefined) {
    const p = object('pressure', top.pressure)
    checkKeys('pressure', p, ['highWater', 'lowWater'])
    const high =
      p.highWater === undefined
        ? configDefaults.pressure.highWater
        : fraction('pressure.highWater', p.highWater)
    const low =
      p.lowWater === undefined ? configDefaults.pressure.lowWater : fraction('pressure.lowWater', p.lowWater)
    if (low > high) fail('pressure.lowWater', `at most pressure.highWater (${high})`, low, RangeError)
  }
  return top as ResourceLimitsConfig
}

/** Concrete limits and settings, after validation, autoscaling and overrides. */
export interface ResolvedConfig {
  readonly autoscale: AutoscaleResult
  /** Limits per scope class (the `*Default` ones for named classes). */
  readonly limits: { readonly [K in Exclude<ScopeClass, 'span'>]: ScopeLimit }
  readonly named: {
    readonly [K in (typeof NAMED_KEYS)[number]]: ReadonlyMap<string, ScopeLimit>
  }
  readonly allowlist: readonly string[]
  readonly subnetConnLimits: { ipv4: readonly SubnetConnLimit[]; ipv6: readonly SubnetConnLimit[] }
  readonly inboundRateLimits: {
    global: RateLimit | null
    ipv4: readonly SubnetRateLimit[]
    ipv6: readonly SubnetRateLimit[]
  }
  readonly pressure: Required<PressureConfig>
}

/** Validates `config` and computes every concrete limit. */
export function resolveConfig(config?: unknown): ResolvedConfig {
  const c = validateConfig(config)
  const autoscale = autoscaleInputs(c.autoscale)
  const d = scaledDefaults(autoscale)
  const limits = {
    system: applyOverride(d.system, c.system),
    transient: applyOverride(d.transient, c.transient),
    allowlistedSystem: applyOverride(d.allowlistedSystem, c.allowlistedSystem),
    allowlistedTransient: applyOverride(d.allowlistedTransient, c.allowlistedTransient),
    service: applyOverride(d.service, c.serviceDefault),
    servicePeer: applyOverride(d.servicePeer, c.servicePeerDefault),
    protocol: applyOverride(d.protocol, c.protocolDefault),
    protocolPeer: applyOverride(d.protocolPeer, c.protocolPeerDefault),
    peer: applyOverride(d.peer, c.peerDefault),
    conn: applyOverride(d.conn, c.conn),
    stream: applyOverride(d.stream, c.stream),
  }
  const namedOf = (
    table: Readonly<Record<string, ScopeLimitConfig>> | undefined,
    base: ScopeLimit,
  ): Map<string, ScopeLimit> =>
    new Map(Object.entries(table ?? {}).map(([name, o]) => [name, applyOverride(base, o)]))
  return {
    autoscale,
    limits,
    named: {
      service: namedOf(c.service, limits.service),
      servicePeer: namedOf(c.servicePeer, limits.servicePeer),
      protocol: namedOf(c.protocol, limits.protocol),
      protocolPeer: namedOf(c.protocolPeer, limits.protocolPeer),
      peer: namedOf(c.peer, limits.peer),
    },
    allowlist: c.allowlist ?? [],
    subnetConnLimits: {
      ipv4: c.subnetConnLimits?.ipv4 ?? configDefaults.subnetConnLimits.ipv4,
      ipv6: c.subnetConnLimits?.ipv6 ?? configDefaults.subnetConnLimits.ipv6,
    },
    inboundRateLimits: {
      global:
        c.inboundRateLimits?.global === undefined
          ? configDefaults.inboundRateLimits.global
          : c.inboundRateLimits.global,
      ipv4: c.inboundRateLimits?.ipv4 ?? configDefaults.inboundRateLimits.ipv4,
      ipv6: c.inboundRateLimits?.ipv6 ?? configDefaults.inboundRateLimits.ipv6,
    },
    pressure: {
      highWater: c.pressure?.highWater ?? configDefaults.pressure.highWater,
      lowWater: c.pressure?.lowWater ?? configDefaults.pressure.lowWater,
    },
  }
}
