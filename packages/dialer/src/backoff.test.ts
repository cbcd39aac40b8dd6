import { describe, expect, it } from 'vitest'
import { backoffDefaults, backoffDelayMs, DialBackoff, validateBackoffInit } from './backoff.js'
import { ManualClock } from './manual-clock.js'

describe('backoffDelayMs', () => {
  const table: [number, number][] = [
    [0, 0],
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [4, 40_000],
    [6, 160_000],
    [7, 300_000],
    [50, 300_000],
    [5000, 300_000],
  ]
  for (const [failures, ms] of table) {
    it(`${failures} failures → ${ms} ms (seed 002: min(5 s × 2^(N−1), 300 s))`, () => {
      expect(backoffDelayMs(failures, backoffDefaults)).toBe(ms)
    })
  }
  it('uses the configured numbers', () => {
    const c = validateBackoffInit({ baseMs: 100, multiplier: 3, maxMs: 1000 })
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, c))).toEqual([100, 300, 900, 1000])
  })
  it('rejects bad numbers', () => {
    expect(() => validateBackoffInit({ baseMs: -1 })).toThrow(RangeError)
    expect(() => validateBackoffInit({ multiplier: 0.5 })).toThrow(RangeError)
    expect(() => validateBackoffInit({ maxPeers: 0 })).toThrow(RangeError)
  })
})

describe('DialBackoff', () => {
  it('grows per consecutive failure, caps, and resets on success', () => {
    const clock = new ManualClock()
    const b = new DialBackoff({}, clock)
    const t0 = clock.now()
    expect(b.peerUntil('p')).toBeUndefined()
    expect(b.peerFailed('p')).toBe(t0 + 5_000)
    expect(b.peerUntil('p')).toBe(t0 + 5_000)
    clock.advance(5_000)
    expect(b.peerUntil('p')).toBeUndefined()
    expect(b.peerFailed('p')).toBe(clock.now() + 10_000)
    for (let i = 0; i < 10; i++) b.peerFailed('p')
    expect(b.peerUntil('p')).toBe(clock.now() + 300_000)
    b.peerSucceeded('p')
    expect(b.peerUntil('p')).toBeUndefined()
    expect(b.peerFailed('p')).toBe(clock.now() + 5_000)
  })

  it('forgets the failure count once the backoff has been over for maxMs', () => {
    const clock = new ManualClock()
    const b = new DialBackoff({}, clock)
    b.peerFailed('p')
    b.peerFailed('p')
    clock.advance(10_000 + 300_000)
    expect(b.peerFailed('p')).toBe(clock.now() + 5_000)
  })

  it('keeps per-address backoff separately; clear() removes both levels', () => {
    const clock = new ManualClock()
    const b = new DialBackoff({}, clock)
    b.addrFailed('p', '/a')
    b.addrFailed('p', '/a')
    expect(b.addrUntil('p', '/a')).toBe(clock.now() + 10_000)
    expect(b.addrUntil('p', '/b')).toBeUndefined()
    expect(b.peerUntil('p')).toBeUndefined()
    b.addrSucceeded('p', '/a')
    expect(b.addrUntil('p', '/a')).toBeUndefined()
    b.addrFailed('p', '/a')
    b.peerFailed('p')
    b.clear('p')
    expect(b.addrUntil('p', '/a')).toBeUndefined()
    expect(b.peerUntil('p')).toBeUndefined()
    expect(b.size).toBe(0)
  })

  it('is bounded by maxPeers', () => {
    const clock = new ManualClock()
    const b = new DialBackoff({ maxPeers: 3 }, clock)
    for (let i = 0; i < 10; i++) b.peerFailed(`p${i}`)
    expect(b.size).toBe(3)
    expect(b.peerUntil('p9')).toBeDefined()
    expect(b.peerUntil('p0')).toBeUndefined()
  })
})
