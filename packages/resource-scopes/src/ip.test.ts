import { BlockList, isIP } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatPrefix, isLoopback, parseCidr, parseIp, prefixContains, prefixOf } from './ip.js'

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'))
const v6 = fc.ipV6()

describe('parseIp', () => {
  it('parses IPv4 as v4-mapped IPv6', () => {
    expect(Array.from(parseIp('1.2.3.4')!.bytes)).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4,
    ])
    expect(parseIp('::ffff:1.2.3.4')!.v4).toBe(true)
    expect(parseIp('::1')!.v4).toBe(false)
  })

  it('rejects what is not an address', () => {
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '01.2.3.4',
      '1.2.3.-1',
      ':::',
      '1::2::3',
      '12345::',
      'g::',
      '1:2:3:4:5:6:7:8:9',
      '::1.2.3',
      'x',
    ]) {
      expect(parseIp(bad), bad).toBeUndefined()
    }
  })

  it('agrees with node:net on what is an address', () => {
    fc.assert(
      fc.property(fc.oneof(v4, v6, fc.string({ maxLength: 12 })), (text) => {
        expect(parseIp(text) !== undefined).toBe(isIP(text) !== 0)
      }),
    )
  })

  it('loopback', () => {
    expect(isLoopback(parseIp('127.9.9.9')!)).toBe(true)
    expect(isLoopback(parseIp('::1')!)).toBe(true)
    expect(isLoopback(parseIp('::2')!)).toBe(false)
    expect(isLoopback(parseIp('128.0.0.1')!)).toBe(false)
  })
})

describe('prefixes', () => {
  it('matches like net.BlockList (the reference), IPv4 and IPv6', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(v4, fc.integer({ min: 0, max: 32 }), fc.constant<'ipv4'>('ipv4')),
          fc.tuple(v6, fc.integer({ min: 0, max: 128 }), fc.constant<'ipv6'>('ipv6')),
        ),
        fc.oneof(v4, v6),
        ([net, len, family], addr) => {
          const list = new BlockList()
          list.addSubnet(net, len, family)
          const expected = list.check(addr, isIP(addr) === 4 ? 'ipv4' : 'ipv6')
          expect(prefixContains(parseCidr(`${net}/${len}`), parseIp(addr)!)).toBe(expected)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('edge cases: /0, /32, /128 and v4-mapped', () => {
    expect(prefixContains(parseCidr('0.0.0.0/0'), parseIp('255.255.255.255')!)).toBe(true)
    expect(prefixContains(parseCidr('0.0.0.0/0'), parseIp('::1')!)).toBe(false)
    expect(prefixContains(parseCidr('::/0'), parseIp('1.2.3.4')!)).toBe(true)
    expect(prefixContains(parseCidr('1.2.3.4'), parseIp('1.2.3.4')!)).toBe(true)
    expect(prefixContains(parseCidr('1.2.3.4/32'), parseIp('1.2.3.5')!)).toBe(false)
    expect(prefixContains(parseCidr('2001:db8::1/128'), parseIp('2001:db8::1')!)).toBe(true)
    expect(prefixContains(parseCidr('2001:db8::1/128'), parseIp('2001:db8::2')!)).toBe(false)
    expect(prefixContains(parseCidr('10.0.0.0/8'), parseIp('::ffff:10.1.1.1')!)).toBe(true)
    expect(prefixContains(parseCidr('::ffff:10.0.0.0/104'), parseIp('10.1.1.1')!)).toBe(true)
  })

  it('rejects bad prefix lengths with a RangeError', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(RangeError)
    expect(() => parseCidr('::/129')).toThrow(RangeError)
    expect(() => parseCidr('10.0.0.0/')).toThrow(RangeError)
    expect(() => parseCidr('10.0.0.0/1a')).toThrow(RangeError)
    expect(() => parseCidr('nope/8')).toThrow(RangeError)
  })

  it('formats prefixes canonically (RFC 5952)', () => {
    expect(formatPrefix(prefixOf(parseIp('10.1.2.3')!, 96 + 24))).toBe('10.1.2.0/24')
    expect(formatPrefix(prefixOf(parseIp('2001:db8:0:1ff::2')!, 56))).toBe('2001:db8:0:100::/56')
    expect(formatPrefix(prefixOf(parseIp('2001:db8:1:2:3:4:5:6')!, 128))).toBe('2001:db8:1:2:3:4:5:6/128')
    expect(formatPrefix(prefixOf(parseIp('1:0:0:2:0:0:0:3')!, 128))).toBe('1:0:0:2::3/128')
    expect(formatPrefix(prefixOf(parseIp('::')!, 0))).toBe('::/0')
  })

  it('formatted prefixes parse back to the same block', () => {
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 128 }), (addr, len) => {
        const p = prefixOf(parseIp(addr)!, len, false)
        const back = parseCidr(formatPrefix(p))
        expect(back.bits).toBe(p.bits)
        expect(Array.from(back.network)).toEqual(Array.from(p.network))
      }),
    )
  })
})
