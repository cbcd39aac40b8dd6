import { describe, expect, it } from 'vitest'
import { fakePeer } from '../test/helpers.js'
import { Allowlist, parseAllowlistEntry } from './allowlist.js'
import { parseIp } from './ip.js'

describe('Allowlist', () => {
  it('parses multiaddr and CIDR entries', () => {
    expect(parseAllowlistEntry('/ip4/10.0.0.0/ipcidr/8').prefix.bits).toBe(96 + 8)
    expect(
      parseAllowlistEntry('/ip6/2001:db8::/ipcidr/32/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'),
    ).toMatchObject({
      peer: 'QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC',
    })
    expect(parseAllowlistEntry('192.168.0.0/16').prefix.v4).toBe(true)
    expect(parseAllowlistEntry('::1').prefix.bits).toBe(128)
    expect(() =>
      parseAllowlistEntry('/ip4/1.2.3.4/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/ipcidr/8'),
    ).toThrow(RangeError)
    expect(() => parseAllowlistEntry('/nope')).toThrow(/not a valid multiaddr/)
  })

  it('matches addresses, and peers for restricted entries', () => {
    const list = new Allowlist(['10.0.0.0/8', '/ip4/192.0.2.1/p2p/alice'])
    expect(list.allowsAddr(parseIp('10.9.9.9')!)).toBe(true)
    expect(list.allowsAddr(parseIp('::ffff:10.9.9.9')!)).toBe(true)
    expect(list.allowsAddr(parseIp('192.0.2.1')!)).toBe(true)
    expect(list.allowsAddr(parseIp('192.0.2.2')!)).toBe(false)
    expect(list.allowsPeerAt(parseIp('192.0.2.1')!, fakePeer('alice'))).toBe(true)
    expect(list.allowsPeerAt(parseIp('192.0.2.1')!, fakePeer('bob'))).toBe(false)
    expect(list.allowsPeerAt(parseIp('10.0.0.1')!, fakePeer('bob'))).toBe(true)
    expect(list.describe()).toEqual(['10.0.0.0/8', '192.0.2.1/32 (peer alice)'])
  })
})
