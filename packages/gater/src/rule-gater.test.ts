import { multiaddr } from '@multiformats/multiaddr'
import type { GateVerdict, PeerId } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { RuleGater } from './rule-gater.js'

function fakePeer(name: string): PeerId {
  return { bytes: new TextEncoder().encode(name), toString: () => name, equals: (o) => o.toString() === name }
}

function fakeClock(start = 1_700_000_000_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}

const alice = fakePeer('alice')
const bob = fakePeer('bob')
const local = multiaddr('/ip4/127.0.0.1/tcp/4001')
const at = (a: string) => ({ remoteAddr: multiaddr(a), localAddr: local })
const secured = (peer: PeerId, a: string) => ({ ...at(a), remotePeer: peer, direction: 'inbound' as const })
const upgraded = (peer: PeerId, a: string) => ({
  ...secured(peer, a),
  security: '/noise',
  muxer: '/yamux/1.0.0',
})

function denied(v: GateVerdict): string {
  if (v.allow) throw new Error('expected a denial')
  return v.reason
}

describe('RuleGater', () => {
  it('allows everything without rules, at every hook', () => {
    const g = new RuleGater()
    expect(g.interceptPeerDial(alice).allow).toBe(true)
    expect(g.interceptAddrDial(alice, multiaddr('/ip4/1.2.3.4/tcp/1')).allow).toBe(true)
    expect(g.interceptAddrDial(undefined, multiaddr('/dns4/example.com/tcp/1')).allow).toBe(true)
    expect(g.interceptAccept(at('/ip4/1.2.3.4/tcp/1')).allow).toBe(true)
    expect(g.interceptSecured(secured(alice, '/ip4/1.2.3.4/tcp/1')).allow).toBe(true)
    expect(g.interceptUpgraded(upgraded(alice, '/ip4/1.2.3.4/tcp/1')).allow).toBe(true)
  })

  it('denies a peer at every hook where the peer is known, with a reason', () => {
    const g = new RuleGater({ rules: { denyPeers: ['alice'] } })
    expect(denied(g.interceptPeerDial(alice))).toBe('peer alice is denied')
    expect(denied(g.interceptAddrDial(alice, multiaddr('/ip4/1.2.3.4/tcp/1')))).toContain('alice')
    // At accept the peer is not known yet.
    expect(g.interceptAccept(at('/ip4/1.2.3.4/tcp/1')).allow).toBe(true)
    expect(denied(g.interceptSecured(secured(alice, '/ip4/1.2.3.4/tcp/1')))).toContain('alice')
    expect(denied(g.interceptUpgraded(upgraded(alice, '/ip4/1.2.3.4/tcp/1')))).toContain('alice')
    expect(g.interceptPeerDial(bob).allow).toBe(true)
  })

  it('denies by CIDR at the address hooks (dial address, accept, secured, upgraded)', () => {
    const g = new RuleGater()
    g.denyCidr('198.51.100.0/24')
    expect(denied(g.interceptAccept(at('/ip4/198.51.100.9/tcp/1')))).toBe(
      'address 198.51.100.9 is in denied 198.51.100.0/24',
    )
    expect(g.interceptAccept(at('/ip4/198.51.101.9/tcp/1')).allow).toBe(true)
    expect(g.interceptAddrDial(bob, multiaddr('/ip4/198.51.100.1/udp/1/quic-v1')).allow).toBe(false)
    expect(g.interceptSecured(secured(bob, '/ip4/198.51.100.1/tcp/1')).allow).toBe(false)
    expect(g.interceptUpgraded(upgraded(bob, '/ip4/198.51.100.1/tcp/1')).allow).toBe(false)
    // The peer-dial hook knows no address.
    expect(g.interceptPeerDial(bob).allow).toBe(true)
    // Unresolved DNS addresses are not matched by CIDR rules.
    expect(g.interceptAddrDial(bob, multiaddr('/dns4/example.com/tcp/1')).allow).toBe(true)
  })

  it('IPv6 CIDR, /128 and zones', () => {
    const g = new RuleGater({ rules: { denyCidrs: ['2001:db8::/32', '2001:db9::1/128'] } })
    expect(g.interceptAccept(at('/ip6/2001:db8:ffff::1/tcp/1')).allow).toBe(false)
    expect(g.interceptAccept(at('/ip6/2001:db9::1/tcp/1')).allow).toBe(false)
    expect(g.interceptAccept(at('/ip6/2001:db9::2/tcp/1')).allow).toBe(true)
    expect(g.interceptAccept(at('/ip6/2001:0db9:0000::0001/tcp/1')).allow).toBe(false)
    expect(g.interceptAccept(at('/ip6zone/eth0/ip6/2001:db8::1/tcp/1')).allow).toBe(false)
  })

  it('v4-mapped IPv6 addresses match IPv4 rules and the other way round', () => {
    const g = new RuleGater({ rules: { denyCidrs: ['192.0.2.0/24'] } })
    expect(g.interceptAccept(at('/ip6/::ffff:192.0.2.7/tcp/1')).allow).toBe(false)
    expect(g.interceptAccept(at('/ip6/::ffff:192.0.3.7/tcp/1')).allow).toBe(true)
    const h = new RuleGater({ rules: { denyCidrs: ['::ffff:192.0.2.0/120'] } })
    expect(h.interceptAccept(at('/ip4/192.0.2.7/tcp/1')).allow).toBe(false)
    expect(h.interceptAccept(at('/ip4/192.0.3.7/tcp/1')).allow).toBe(true)
  })

  it('/0 blocks: 0.0.0.0/0 covers IPv4 only; ::/0 covers IPv6 and (through mapping) IPv4', () => {
    const v4 = new RuleGater({ rules: { denyCidrs: ['0.0.0.0/0'] } })
    expect(v4.interceptAccept(at('/ip4/255.255.255.255/tcp/1')).allow).toBe(false)
    expect(v4.interceptAccept(at('/ip4/0.0.0.0/tcp/1')).allow).toBe(false)
    expect(v4.interceptAccept(at('/ip6/2001:db8::1/tcp/1')).allow).toBe(true)
    const v6 = new RuleGater({ rules: { denyCidrs: ['::/0'] } })
    expect(v6.interceptAccept(at('/ip6/2001:db8::1/tcp/1')).allow).toBe(false)
    expect(v6.interceptAccept(at('/ip6/::/tcp/1')).allow).toBe(false)
    expect(v6.interceptAccept(at('/ip4/10.0.0.1/tcp/1')).allow).toBe(false)
  })

  it('the most specific rule decides: allow a host inside a denied subnet', () => {
    const g = new RuleGater({ rules: { denyCidrs: ['10.0.0.0/8'], allowCidrs: ['10.1.2.3'] } })
    expect(g.interceptAccept(at('/ip4/10.1.2.3/tcp/1')).allow).toBe(true)
    expect(g.interceptAccept(at('/ip4/10.1.2.4/tcp/1')).allow).toBe(false)
    // A v4 /24 and its v4-mapped /120 are the same block: one rule, the last set.
    g.allowCidr('10.9.9.0/24')
    g.denyCidr('::ffff:10.9.9.0/120')
    expect(g.interceptAccept(at('/ip4/10.9.9.9/tcp/1')).allow).toBe(false)
    expect(g.rules().filter((r) => r.value.includes('9.9'))).toEqual([
      { kind: 'cidr', action: 'deny', value: '10.9.9.0/24' },
    ])
  })

  it('the most specific rule decides: peer over multiaddr over CIDR', () => {
    const g = new RuleGater({
      rules: { allowCidrs: ['10.0.0.0/8'], denyPeers: ['alice'], allowPeers: ['bob'] },
    })
    g.denyAddr('/ip4/10.0.0.5')
    expect(g.interceptSecured(secured(alice, '/ip4/10.0.0.1/tcp/1')).allow).toBe(false)
    expect(g.interceptSecured(secured(bob, '/ip4/10.0.0.5/tcp/1')).allow).toBe(true)
    expect(denied(g.interceptAccept(at('/ip4/10.0.0.5/tcp/1')))).toBe(
      'address /ip4/10.0.0.5/tcp/1 matches denied /ip4/10.0.0.5',
    )
    g.denyCidr('10.0.0.0/8')
    expect(g.interceptSecured(secured(bob, '/ip4/10.0.0.9/tcp/1')).allow).toBe(true)
  })

  it('multiaddr rules match the address and everything it is a prefix of', () => {
    const g = new RuleGater()
    g.denyAddr(multiaddr('/ip4/1.2.3.4/tcp/4001'))
    expect(g.interceptAddrDial(alice, multiaddr('/ip4/1.2.3.4/tcp/4001')).allow).toBe(false)
    expect(
      g.interceptAddrDial(
        alice,
        multiaddr('/ip4/1.2.3.4/tcp/4001/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'),
      ).allow,
    ).toBe(false)
    expect(g.interceptAddrDial(alice, multiaddr('/ip4/1.2.3.4/tcp/40011')).allow).toBe(true)
    expect(g.interceptAddrDial(alice, multiaddr('/ip4/1.2.3.4/udp/4001')).allow).toBe(true)
    g.allowAddr('/ip4/1.2.3.4/tcp/4001/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC')
    expect(
      g.interceptAddrDial(
        alice,
        multiaddr('/ip4/1.2.3.4/tcp/4001/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'),
      ).allow,
    ).toBe(true)
  })

  it('expiring bans vanish after their duration (fake clock)', () => {
    const clock = fakeClock()
    const g = new RuleGater({ clock: clock.now })
    g.banPeer(alice, 60_000)
    g.denyCidr('203.0.113.0/24', { durationMs: 1000 })
    expect(denied(g.interceptPeerDial(alice))).toBe(
      `peer alice is denied until ${new Date(clock.now() + 60_000).toISOString()}`,
    )
    expect(g.interceptAccept(at('/ip4/203.0.113.1/tcp/1')).allow).toBe(false)
    expect(g.rules()).toHaveLength(2)
    clock.advance(999)
    expect(g.interceptAccept(at('/ip4/203.0.113.1/tcp/1')).allow).toBe(false)
    clock.advance(1)
    expect(g.interceptAccept(at('/ip4/203.0.113.1/tcp/1')).allow).toBe(true)
    expect(g.rules()).toEqual([
      { kind: 'peer', action: 'deny', value: 'alice', expiresAt: clock.now() + 59_000 },
    ])
    clock.advance(59_000)
    expect(g.interceptPeerDial(alice).allow).toBe(true)
    expect(g.rules()).toEqual([])
  })

  it('a new ban replaces the old one (extends or shortens it); a permanent rule replaces a ban', () => {
    const clock = fakeClock()
    const g = new RuleGater({ clock: clock.now })
    g.banPeer(alice, 1000)
    g.banPeer(alice, 5000)
    clock.advance(2000)
    expect(g.interceptPeerDial(alice).allow).toBe(false)
    g.allowPeer(alice)
    clock.advance(10_000)
    expect(g.rules()).toEqual([{ kind: 'peer', action: 'allow', value: 'alice' }])
  })

  it('changes to the lists take effect at the next check', () => {
    const g = new RuleGater()
    const addr = at('/ip4/192.0.2.1/tcp/1')
    expect(g.interceptAccept(addr).allow).toBe(true)
    g.denyCidr('192.0.2.0/24')
    expect(g.interceptAccept(addr).allow).toBe(false)
    expect(g.forgetCidr('192.0.2.0/24')).toBe(true)
    expect(g.interceptAccept(addr).allow).toBe(true)
    g.denyPeer(alice)
    expect(g.interceptPeerDial(alice).allow).toBe(false)
    expect(g.forgetPeer(alice)).toBe(true)
    expect(g.interceptPeerDial(alice).allow).toBe(true)
    g.denyAddr('/ip4/192.0.2.1')
    expect(g.interceptAccept(addr).allow).toBe(false)
    expect(g.forgetAddr(multiaddr('/ip4/192.0.2.1'))).toBe(true)
    expect(g.interceptAccept(addr).allow).toBe(true)
    expect(g.forgetAddr('/ip4/192.0.2.1')).toBe(false)
  })

  it('normalises CIDR text so that equivalent forms are one rule', () => {
    const g = new RuleGater()
    g.denyCidr('2001:0db8:0000::/32')
    expect(g.rules()).toEqual([{ kind: 'cidr', action: 'deny', value: '2001:db8::/32' }])
    expect(g.forgetCidr('2001:db8::/32')).toBe(true)
  })

  it('rejects bad rules at the boundary', () => {
    const g = new RuleGater()
    expect(() => g.denyCidr('10.0.0.0/33')).toThrow(RangeError)
    expect(() => g.denyCidr('::/129')).toThrow(RangeError)
    expect(() => g.denyCidr('10.0.0.0/-1')).toThrow(RangeError)
    expect(() => g.denyCidr('not-an-ip')).toThrow(/not an IP address/)
    expect(() => g.denyCidr('010.0.0.1')).toThrow(RangeError)
    expect(() => g.denyAddr('/ip4/300.0.0.1')).toThrow(RangeError)
    expect(() => g.denyPeer('')).toThrow(TypeError)
    expect(() => g.banPeer(alice, 0)).toThrow(RangeError)
    expect(() => g.banPeer(alice, Number.NaN)).toThrow(RangeError)
    expect(g.rules()).toEqual([])
    // @ts-expect-error a string, not an array
    expect(() => new RuleGater({ rules: { denyPeers: 'alice' } })).toThrow(
      /"denyPeers" must be an array of strings/,
    )
    // @ts-expect-error a typo
    expect(() => new RuleGater({ rules: { denyPeer: ['alice'] } })).toThrow(/unknown key "denyPeer"/)
  })
})
