import { multiaddr } from '@multiformats/multiaddr'
import type { AddressDialStats } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { type RankCandidate, type RankInit, rankAddresses, rankDefaults, validateRankInit } from './rank.js'

const NOW = 1_700_000_000_000

function rank(addrs: (string | RankCandidate)[], config: Required<RankInit> = rankDefaults) {
  const candidates = addrs.map((a) => (typeof a === 'string' ? { multiaddr: multiaddr(a) } : a))
  return rankAddresses(candidates, NOW, config).map((d) => [d.addr.toString(), d.delayMs])
}

const q4 = '/ip4/1.2.3.4/udp/1/quic-v1'
const q4b = '/ip4/1.2.3.5/udp/1/quic-v1'
const q6 = '/ip6/2001:db8::1/udp/1/quic-v1'
const q6b = '/ip6/2001:db8::2/udp/1/quic-v1'
const t4 = '/ip4/1.2.3.4/tcp/1'
const t4b = '/ip4/1.2.3.5/tcp/1'
const t6 = '/ip6/2001:db8::1/tcp/1'
const t6b = '/ip6/2001:db8::2/tcp/1'
const l4 = '/ip4/127.0.0.1/tcp/1'
const p4 = '/ip4/192.168.1.2/tcp/1'
const lq = '/ip4/127.0.0.1/udp/1/quic-v1'
const relay = '/ip4/1.2.3.4/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit'
const wrtc = '/ip4/1.2.3.4/udp/1/webrtc-direct'
const mem = '/memory/a'

function stats(lastSuccessAt: number | undefined, consecutiveFailures = 0): AddressDialStats {
  return {
    successes: lastSuccessAt === undefined ? 0 : 1,
    failures: consecutiveFailures,
    consecutiveFailures,
    lastSuccessAt,
    lastFailureAt: undefined,
    lastErrorCode: undefined,
  }
}

describe('rankAddresses', () => {
  const table: [string, (string | RankCandidate)[], [string, number][]][] = [
    ['empty', [], []],
    ['single TCP address at 0', [t4], [[t4, 0]]],
    [
      'TCP IPv4 addresses 250 ms apart',
      [t4, t4b],
      [
        [t4, 0],
        [t4b, 250],
      ],
    ],
    [
      'IPv6 before IPv4 (happy eyeballs): v6 at 0, first v4 at 250, rest at 500',
      [t4, t4b, t6, t6b],
      [
        [t6, 0],
        [t4, 250],
        [t6b, 500],
        [t4b, 500],
      ],
    ],
    [
      'QUIC happy eyeballs: second IPv6 after the first IPv4',
      [q6, q6b, q4],
      [
        [q6, 0],
        [q4, 250],
        [q6b, 500],
      ],
    ],
    [
      'QUIC before TCP; TCP one delay after the last QUIC',
      [t4, q4],
      [
        [q4, 0],
        [t4, 250],
      ],
    ],
    [
      'QUIC happy eyeballs then TCP happy eyeballs',
      [t4, t6, q4, q6],
      [
        [q6, 0],
        [q4, 250],
        [t6, 500],
        [t4, 750],
      ],
    ],
    [
      'several QUIC without v6: 0 then 250, TCP after',
      [q4, q4b, t4],
      [
        [q4, 0],
        [q4b, 250],
        [t4, 500],
      ],
    ],
    [
      'private addresses 30 ms apart, before public',
      [t4, p4, l4],
      [
        [p4, 0],
        [t4, 0],
        [l4, 30],
      ],
    ],
    [
      'private QUIC then TCP',
      [l4, lq],
      [
        [lq, 0],
        [l4, 30],
      ],
    ],
    [
      'relay after public by 500 ms',
      [relay, t4],
      [
        [t4, 0],
        [relay, 500],
      ],
    ],
    ['relay alone at 0', [relay], [[relay, 0]]],
    [
      'other transport in a public group: 1 s after',
      [wrtc, t4],
      [
        [t4, 0],
        [wrtc, 1000],
      ],
    ],
    [
      'no-IP addresses after everything else',
      [mem, t4, t4b],
      [
        [t4, 0],
        [t4b, 250],
        [mem, 1250],
      ],
    ],
    [
      'recently successful address first, the rest offset by 250',
      [t6, { multiaddr: multiaddr(t4), stats: stats(NOW - 1000) }],
      [
        [t4, 0],
        [t6, 250],
      ],
    ],
    [
      'several recent ones newest first',
      [
        { multiaddr: multiaddr(t4), stats: stats(NOW - 5000) },
        { multiaddr: multiaddr(t4b), stats: stats(NOW - 1000) },
        q4,
      ],
      [
        [t4b, 0],
        [t4, 250],
        [q4, 500],
      ],
    ],
    [
      'a success too long ago, or with failures since, is not recent',
      [
        { multiaddr: multiaddr(t4), stats: stats(NOW - 11 * 60_000) },
        { multiaddr: multiaddr(t4b), stats: stats(NOW, 1) },
        q4,
      ],
      [
        [q4, 0],
        [t4, 250],
        [t4b, 500],
      ],
    ],
  ]
  for (const [name, input, expected] of table) {
    it(name, () => {
      expect(rank(input)).toEqual(expected)
    })
  }

  it('every number is configurable', () => {
    const config = validateRankInit({ publicTcpDelayMs: 100, publicQuicDelayMs: 10, relayDelayMs: 7 })
    expect(rank([t4, t4b, q4, relay], config)).toEqual([
      [q4, 0],
      [relay, 7],
      [t4, 10],
      [t4b, 110],
    ])
  })

  it('is pure: same input, same output, input untouched', () => {
    const input = [t4, t6, q4, q6, l4].map((a) => ({ multiaddr: multiaddr(a) }))
    const copy = input.slice()
    const a = rankAddresses(input, NOW)
    const b = rankAddresses(input, NOW)
    expect(a).toEqual(b)
    expect(input).toEqual(copy)
  })

  it('rejects bad numbers', () => {
    expect(() => validateRankInit({ publicTcpDelayMs: -1 })).toThrow(RangeError)
    expect(() => validateRankInit({ relayDelayMs: Number.NaN })).toThrow(RangeError)
  })
})
