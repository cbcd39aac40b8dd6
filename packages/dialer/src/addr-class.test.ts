import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { classifyAddr, ipScope } from './addr-class.js'

describe('classifyAddr', () => {
  const table: [string, Partial<ReturnType<typeof classifyAddr>>][] = [
    ['/ip4/1.2.3.4/tcp/1', { transport: 'tcp', family: 4, scope: 'public', relayed: false, udp: false }],
    ['/ip6/2001:db8::1/udp/1/quic-v1', { transport: 'quic', family: 6, scope: 'public', udp: true }],
    ['/ip4/127.0.0.1/tcp/1/ws', { transport: 'tcp', scope: 'loopback' }],
    ['/ip4/10.1.2.3/udp/1/webrtc-direct', { transport: 'other', scope: 'private', udp: true }],
    ['/ip4/0.0.0.0/tcp/1', { unspecified: true }],
    ['/ip4/1.2.3.4/tcp/0', { unspecified: true }],
    ['/dns6/example.com/tcp/1', { family: 6, scope: 'public' }],
    ['/dns4/localhost/tcp/1', { family: 4, scope: 'loopback' }],
    ['/memory/x', { transport: 'other', family: 0, scope: 'none' }],
    [
      '/ip4/1.2.3.4/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit',
      { relayed: true, transport: 'tcp', peerId: undefined },
    ],
    [
      '/ip4/1.2.3.4/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN',
      { peerId: '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN' },
    ],
  ]
  for (const [addr, expected] of table) {
    it(addr, () => {
      expect(classifyAddr(multiaddr(addr))).toMatchObject(expected)
    })
  }

  it('ipScope', () => {
    const cases: [string, 4 | 6, string][] = [
      ['172.16.0.1', 4, 'private'],
      ['172.32.0.1', 4, 'public'],
      ['192.168.0.1', 4, 'private'],
      ['169.254.1.1', 4, 'private'],
      ['100.64.0.1', 4, 'private'],
      ['8.8.8.8', 4, 'public'],
      ['::1', 6, 'loopback'],
      ['fd00::1', 6, 'private'],
      ['fe80::1', 6, 'private'],
      ['::ffff:10.0.0.1', 6, 'private'],
      ['2606:4700::1', 6, 'public'],
    ]
    for (const [ip, family, scope] of cases) expect([ip, ipScope(ip, family)]).toEqual([ip, scope])
  })

  it('classifies each multiaddr object once (the same result object), equal addresses alike', () => {
    const a = multiaddr('/ip4/10.0.0.1/tcp/4001')
    expect(classifyAddr(a)).toBe(classifyAddr(a))
    expect(classifyAddr(multiaddr('/ip4/10.0.0.1/tcp/4001'))).toEqual(classifyAddr(a))
  })
})
