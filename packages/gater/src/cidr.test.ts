import { BlockList, isIP } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CidrTable, cidrContains, ipToBytes, parseCidrBlock } from './cidr.js'

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'))
const v6 = fc.ipV6()
const anyIp = fc.oneof(v4, v6)
const block = fc.oneof(
  fc
    .tuple(v4, fc.integer({ min: 0, max: 32 }))
    .map(([a, n]) => ({ text: `${a}/${n}`, addr: a, n, family: 'ipv4' as const })),
  fc
    .tuple(v6, fc.integer({ min: 0, max: 128 }))
    .map(([a, n]) => ({ text: `${a}/${n}`, addr: a, n, family: 'ipv6' as const })),
)
const familyOf = (ip: string) => (isIP(ip) === 4 ? 'ipv4' : 'ipv6')

describe('cidr', () => {
  it('ipToBytes maps IPv4 into ::ffff:0:0/96 and expands IPv6', () => {
    expect(Array.from(ipToBytes('1.2.3.4'))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4])
    expect(Array.from(ipToBytes('::ffff:1.2.3.4'))).toEqual(Array.from(ipToBytes('1.2.3.4')))
    expect(Array.from(ipToBytes('::ffff:102:304'))).toEqual(Array.from(ipToBytes('1.2.3.4')))
    expect(Array.from(ipToBytes('2001:db8::1'))).toEqual([
      0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    ])
    expect(Array.from(ipToBytes('::'))).toEqual(new Array(16).fill(0))
  })

  it('containment agrees with net.BlockList (the reference), v4-mapped included', () => {
    fc.assert(
      fc.property(block, anyIp, (b, ip) => {
        const list = new BlockList()
        list.addSubnet(b.addr, b.n, b.family)
        expect(cidrContains(parseCidrBlock(b.text), ipToBytes(ip))).toBe(list.check(ip, familyOf(ip)))
      }),
      { numRuns: 1000 },
    )
  })

  it('canonical keys clear host bits and compress IPv6', () => {
    expect(parseCidrBlock('10.1.2.3/8').key).toBe('10.0.0.0/8')
    expect(parseCidrBlock('2001:0db8:0000:0000::1/32').key).toBe('2001:db8::/32')
    expect(parseCidrBlock('::1').key).toBe('::1/128')
    expect(parseCidrBlock('1.2.3.4').key).toBe('1.2.3.4/32')
    expect(parseCidrBlock('0.0.0.0/0').key).toBe('0.0.0.0/0')
  })

  it('CidrTable finds the most specific containing block, like a linear scan', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 20 }), anyIp, (blocks, ip) => {
        const table = new CidrTable<string>()
        const parsed = blocks.map((b) => parseCidrBlock(b.text))
        for (const p of parsed) table.set(p, p.key)
        const bytes = ipToBytes(ip)
        const expected = parsed.filter((p) => cidrContains(p, bytes)).sort((a, b) => b.bits - a.bits)[0]
        expect(table.find(bytes, () => true)?.block.key).toBe(expected?.key)
        for (const p of parsed) table.delete(p)
        expect(table.find(bytes, () => true)).toBeUndefined()
      }),
      { numRuns: 500 },
    )
  })
})

describe('cidr display', () => {
  it('shows v4-mapped blocks as IPv4', () => {
    expect(parseCidrBlock('::ffff:10.9.9.0/120').key).toBe('10.9.9.0/24')
    expect(parseCidrBlock('::ffff:0:0/96').key).toBe('0.0.0.0/0')
    expect(parseCidrBlock('::ffff:0:0/95').key).toBe('::fffe:0:0/95')
  })
})
