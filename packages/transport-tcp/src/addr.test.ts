import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { parseTcpAddr, toMultiaddr } from './addr.js'

describe('parseTcpAddr', () => {
  it.each([
    ['/ip4/127.0.0.1/tcp/4001', true, { host: '127.0.0.1', port: 4001, family: 4, ip: true }],
    ['/ip6/::1/tcp/0', false, { host: '::1', port: 0, family: 6, ip: true }],
    ['/dns4/localhost/tcp/80', true, { host: 'localhost', port: 80, family: 4, ip: false }],
    ['/dns/example.com/tcp/80', true, { host: 'example.com', port: 80, family: 0, ip: false }],
    [
      '/ip4/1.2.3.4/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
      true,
      { host: '1.2.3.4', port: 1, family: 4, ip: true },
    ],
  ])('%s', (addr, allowDns, expected) => {
    expect(parseTcpAddr(multiaddr(addr), allowDns)).toEqual(expected)
  })

  it.each([
    ['/dns4/localhost/tcp/80', false],
    ['/ip4/127.0.0.1/udp/1', true],
    ['/ip4/127.0.0.1/tcp/1/ws', true],
    ['/ip4/127.0.0.1', true],
    ['/memory/x', true],
  ])('rejects %s', (addr, allowDns) => {
    expect(parseTcpAddr(multiaddr(addr), allowDns)).toBeUndefined()
  })
})

describe('toMultiaddr', () => {
  it('maps IPv4-mapped IPv6 to /ip4', () => {
    expect(toMultiaddr('::ffff:10.0.0.1', 5, 'IPv6').toString()).toBe('/ip4/10.0.0.1/tcp/5')
  })
  it('keeps IPv6 and drops a zone', () => {
    expect(toMultiaddr('fe80::1%eth0', 5, 'IPv6').toString()).toBe('/ip6/fe80::1/tcp/5')
  })
})
