/**
 * Inbound connection rate limiting: token buckets, one per subnet per rule (IPv4 /32,
 * IPv6 /56 and /48 by default), plus an optional global bucket.
 *
 * Buckets refill lazily from an injected clock, so there is no timer to own. A bucket
 * that has refilled to `burst` holds no information and is forgotten (swept every
 * `SWEEP_EVERY` checks), which bounds memory by the subnets active within the last
 * `burst / perSecond` seconds.
 */

import { formatPrefix, type IpAddress, prefixOf } from './ip.js'
import type { RateLimit, SubnetRateLimit } from './limits.js'

/** A clock in milliseconds. */
export type Clock = () => number

const SWEEP_EVERY = 256

/** One token bucket. `take()` consumes a token when one is available. */
export class TokenBucket {
  readonly #perMs: number
  readonly #burst: number
  #tokens: number
  #last: number

  constructor(limit: RateLimit, now: number) {
    this.#perMs = limit.perSecond / 1000
    this.#burst = limit.burst
    this.#tokens = limit.burst
    this.#last = now
  }

  #refill(now: number): void {
    // A clock that steps back (it should not) must not drain the bucket.
    if (now > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs)
      this.#last = now
    }
  }

  /** Tokens available at `now` (fractional). */
  available(now: number): number {
    this.#refill(now)
    return this.#tokens
  }

  /** Consumes one token; false when fewer than one is available. */
  take(now: number): boolean {
    this.#refill(now)
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Gives back a token taken for an attempt that was refused further on. */
  refund(): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + 1)
  }

  /** True when the bucket would be full at `now` (it can be forgotten). */
  fullAt(now: number): boolean {
    return this.available(now) >= this.#burst
  }
}

/** Which rule refused an address, for the error. */
export interface RateRefusal {
  /** `rate:global` or `rate:1.2.3.4/32`. */
  readonly scope: string
  readonly limit: RateLimit
}

/** Per-subnet token buckets for a list of rules, plus an optional global bucket. */
export class SubnetRateLimiter {
  readonly #clock: Clock
  readonly #v4: readonly SubnetRateLimit[]
  readonly #v6: readonly SubnetRateLimit[]
  readonly #global: { limit: RateLimit; bucket: TokenBucket } | undefined
  /** One map per rule (index into the rule list), v4 rules first. */
  readonly #buckets: Map<string, TokenBucket>[]
  #checks = 0

  constructor(
    rules: { ipv4: readonly SubnetRateLimit[]; ipv6: readonly SubnetRateLimit[]; global: RateLimit | null },
    clock: Clock,
  ) {
    this.#clock = clock
    this.#v4 = rules.ipv4
    this.#v6 = rules.ipv6
    this.#global =
      rules.global === null
        ? undefined
        : { limit: rules.global, bucket: new TokenBucket(rules.global, clock()) }
    this.#buckets = [...this.#v4, ...this.#v6].map(() => new Map())
  }

  /** Number of live buckets (for tests and stats). */
  get bucketCount(): number {
    let n = 0
    for (const m of this.#buckets) n += m.size
    return n
  }

  /**
   * Takes one token from every bucket that covers `addr` (and the global one); all or
   * nothing. Returns the refusing rule, or undefined when allowed.
   */
  check(addr: IpAddress): RateRefusal | undefined {
    const now = this.#clock()
    if (++this.#checks % SWEEP_EVERY === 0) this.sweep()
    const rules = addr.v4 ? this.#v4 : this.#v6
    const offset = addr.v4 ? 0 : this.#v4.length
    const taken: TokenBucket[] = []
    const refuse = (scope: string, limit: RateLimit): RateRefusal => {
      for (const b of taken) b.refund()
      return { scope, limit }
    }
    if (this.#global !== undefined) {
      if (!this.#global.bucket.take(now)) return refuse('rate:global', this.#global.limit)
      taken.push(this.#global.bucket)
    }
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!
      const prefix = prefixOf(addr, addr.v4 ? 96 + rule.prefixLength : rule.prefixLength)
      const key = formatPrefix(prefix)
      const map = this.#buckets[offset + i]!
      let bucket = map.get(key)
      if (bucket === undefined) {
        bucket = new TokenBucket(rule, now)
        map.set(key, bucket)
      }
      if (!bucket.take(now)) return refuse(`rate:${key}`, rule)
      taken.push(bucket)
    }
    return undefined
  }

  /** Forgets buckets that have refilled completely. */
  sweep(): void {
    const now = this.#clock()
    for (const map of this.#buckets) {
      for (const [key, bucket] of map) if (bucket.fullAt(now)) map.delete(key)
    }
  }
}
