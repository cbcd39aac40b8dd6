import { describe, expect, it } from 'vitest'
import { fakeClock } from '../test/helpers.js'
import { parseIp } from './ip.js'
import { SubnetRateLimiter, TokenBucket } from './rate-limit.js'
import { SubnetConnLimiter } from './subnet-limit.js'

describe('TokenBucket', () => {
  it('starts full, refills at its rate, never above burst', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 2 }, 0)
    expect(b.take(0)).toBe(true)
    expect(b.take(0)).toBe(true)
    expect(b.take(0)).toBe(false)
    expect(b.take(99)).toBe(false)
    expect(b.take(100)).toBe(true)
    expect(b.available(10_000)).toBe(2)
    expect(b.fullAt(10_000)).toBe(true)
  })

  it('ignores a clock that steps back', () => {
    const b = new TokenBucket({ perSecond: 1, burst: 1 }, 1000)
    expect(b.take(1000)).toBe(true)
    expect(b.take(0)).toBe(false)
    expect(b.take(2000)).toBe(true)
  })
})

describe('SubnetRateLimiter', () => {
  it('takes from every covering bucket or from none', () => {
    const clock = fakeClock()
    const r = new SubnetRateLimiter(
      { global: { perSecond: 1, burst: 3 }, ipv4: [{ prefixLength: 32, perSecond: 1, burst: 1 }], ipv6: [] },
      clock.now,
    )
    expect(r.check(parseIp('1.1.1.1')!)).toBeUndefined()
    // The /32 bucket refuses; the global token taken for this attempt is refunded.
    expect(r.check(parseIp('1.1.1.1')!)).toEqual({ scope: 'rate:1.1.1.1/32', limit: expect.anything() })
    expect(r.check(parseIp('2.2.2.2')!)).toBeUndefined()
    expect(r.check(parseIp('3.3.3.3')!)).toBeUndefined()
    expect(r.check(parseIp('4.4.4.4')!)?.scope).toBe('rate:global')
  })

  it('forgets buckets that have refilled', () => {
    const clock = fakeClock()
    const r = new SubnetRateLimiter(
      {
        global: null,
        ipv4: [{ prefixLength: 24, perSecond: 1, burst: 2 }],
        ipv6: [{ prefixLength: 48, perSecond: 1, burst: 2 }],
      },
      clock.now,
    )
    for (let i = 0; i < 50; i++) r.check(parseIp(`10.0.${i}.1`)!)
    r.check(parseIp('2001:db8::1')!)
    expect(r.bucketCount).toBe(51)
    clock.advance(999)
    r.sweep()
    expect(r.bucketCount).toBe(51)
    clock.advance(1)
    r.sweep()
    expect(r.bucketCount).toBe(0)
  })

  it('sweeps by itself as checks go on, so memory stays bounded under a scan', () => {
    const clock = fakeClock()
    const r = new SubnetRateLimiter(
      { global: null, ipv4: [{ prefixLength: 32, perSecond: 10, burst: 1 }], ipv6: [] },
      clock.now,
    )
    for (let i = 0; i < 10_000; i++) {
      r.check(parseIp(`10.${(i >> 8) & 255}.${i & 255}.1`)!)
      clock.advance(1)
    }
    // Each bucket refills in 100 ms, so at most ~100 + one sweep period are alive.
    expect(r.bucketCount).toBeLessThan(400)
  })
})

describe('SubnetConnLimiter', () => {
  it('counts per subnet, refuses at the cap, releases once', () => {
    const l = new SubnetConnLimiter({ ipv4: [{ prefixLength: 32, conns: 1 }], ipv6: [] })
    const a = l.acquire(parseIp('1.2.3.4')!)
    expect('release' in a).toBe(true)
    expect(l.acquire(parseIp('1.2.3.4')!)).toEqual({ scope: 'subnet:1.2.3.4/32', current: 1, limit: 1 })
    // IPv6 has no rule here: unlimited.
    expect('release' in l.acquire(parseIp('::2')!)).toBe(true)
    if ('release' in a) {
      a.release()
      a.release()
    }
    expect(l.subnetCount).toBe(0)
    expect('release' in l.acquire(parseIp('::ffff:1.2.3.4')!)).toBe(true)
  })
})
