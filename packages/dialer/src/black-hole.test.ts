import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { BlackHoleDetector, validateBlackHoleInit } from './black-hole.js'

const v6 = multiaddr('/ip6/2001:db8::1/tcp/1')
const udp = multiaddr('/ip4/1.2.3.4/udp/1/quic-v1')
const v4 = multiaddr('/ip4/1.2.3.4/tcp/1')
const loop6 = multiaddr('/ip6/::1/tcp/1')

describe('BlackHoleDetector', () => {
  it('probes until the window is full, then blocks a class with too few successes', () => {
    const d = new BlackHoleDetector({ windowSize: 10, minSuccesses: 2, probeInterval: 4 })
    expect(d.state('ipv6')).toBe('probing')
    for (let i = 0; i < 9; i++) d.record(v6, false)
    expect(d.state('ipv6')).toBe('probing')
    d.record(v6, false)
    expect(d.state('ipv6')).toBe('blocked')
    expect(d.state('udp')).toBe('probing')
    // IPv4 and loopback IPv6 are not in the class.
    expect(d.filter([v6, v4, loop6])).toEqual({ allowed: [v4, loop6], blocked: [v6] })
  })

  it('lets every probeInterval-th request through, and successes unblock the class', () => {
    const d = new BlackHoleDetector({ windowSize: 10, minSuccesses: 2, probeInterval: 4 })
    for (let i = 0; i < 10; i++) d.record(v6, false)
    const passed = [1, 2, 3, 4, 5, 6, 7, 8].map(() => d.filter([v6]).allowed.length)
    expect(passed).toEqual([0, 0, 0, 1, 0, 0, 0, 1])
    d.record(v6, true)
    expect(d.state('ipv6')).toBe('blocked')
    d.record(v6, true)
    expect(d.state('ipv6')).toBe('allowed')
    expect(d.filter([v6]).allowed).toEqual([v6])
  })

  it('keeps a sliding window: old successes fall out', () => {
    const d = new BlackHoleDetector({ windowSize: 4, minSuccesses: 1, probeInterval: 100 })
    d.record(udp, true)
    for (let i = 0; i < 3; i++) d.record(udp, false)
    expect(d.state('udp')).toBe('allowed')
    d.record(udp, false)
    expect(d.state('udp')).toBe('blocked')
    expect(d.filter([udp, v4]).blocked).toEqual([udp])
  })

  it('accepts custom classes and validates numbers', () => {
    const d = new BlackHoleDetector({
      windowSize: 1,
      minSuccesses: 1,
      classes: [{ name: 'all', matches: () => true }],
    })
    d.record(v4, false)
    expect(d.state('all')).toBe('blocked')
    expect(d.state('ipv6')).toBeUndefined()
    expect(() => validateBlackHoleInit({ windowSize: 0 })).toThrow(RangeError)
    expect(() => validateBlackHoleInit({ windowSize: 2, minSuccesses: 3 })).toThrow(RangeError)
  })
})
