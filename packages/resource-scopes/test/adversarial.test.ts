/**
 * Adversarial scenarios: scans, half-open connection floods, stream floods and memory
 * exhaustion. Each refusal is a typed error, limits hold, and everything is released.
 */

import { multiaddr } from '@multiformats/multiaddr'
import { ResourceLimitError, SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import type { ConnectionScope } from '../src/connection-scope.js'
import { createResourceManager } from '../src/manager.js'
import { fakeClock, fakePeer, PINNED } from './helpers.js'

function expectTyped(fn: () => unknown, code: string): ResourceLimitError {
  try {
    fn()
  } catch (err) {
    expect(SwitchyardError.is(err, code)).toBe(true)
    return err as ResourceLimitError
  }
  throw new Error(`expected ${code}`)
}

describe('adversarial', () => {
  it('a scan from 20,000 addresses keeps rate-limit state bounded and every scope balanced', () => {
    const clock = fakeClock()
    const rm = createResourceManager({ clock: clock.now, limits: { autoscale: PINNED } })
    let refused = 0
    for (let i = 0; i < 20_000; i++) {
      clock.advance(5)
      try {
        rm.openConnection('inbound', multiaddr(`/ip4/100.${(i >> 8) & 63}.${i & 255}.7/tcp/1`)).done()
      } catch (err) {
        expect(err).toBeInstanceOf(ResourceLimitError)
        refused++
      }
    }
    expect(refused).toBe(0)
    // Default /32 buckets (1/s, burst 16) refill in 16 s = 3200 checks; the sweep keeps
    // no more than that plus one sweep period alive.
    expect(rm.stat().rateBuckets).toBeLessThan(3200 + 512)
    expect(rm.stat().system.usage.connsInbound).toBe(0)
    expect(rm.stat().subnets).toBe(0)
  })

  it('a flood from one address is rate-limited, then capped per subnet', () => {
    const clock = fakeClock()
    const rm = createResourceManager({ clock: clock.now, limits: { autoscale: PINNED } })
    const addr = multiaddr('/ip4/198.51.100.66/tcp/1')
    const open: ConnectionScope[] = []
    const codes = new Map<string, number>()
    for (let i = 0; i < 100; i++) {
      clock.advance(2000)
      try {
        open.push(rm.openConnection('inbound', addr))
      } catch (err) {
        const e = err as ResourceLimitError
        codes.set(`${e.code} ${e.scope}`, (codes.get(`${e.code} ${e.scope}`) ?? 0) + 1)
      }
    }
    // Default cap: 8 concurrent connections per IPv4 /32.
    expect(open).toHaveLength(8)
    expect([...codes.keys()]).toEqual(['RESOURCE_LIMIT_EXCEEDED subnet:198.51.100.66/32'])
    for (const c of open) c.done()
    expect(rm.stat().subnets).toBe(0)
  })

  it('half-open inbound connections fill transient but leave room for outbound dials', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED, subnetConnLimits: { ipv4: [] } } })
    const stuck: ConnectionScope[] = []
    for (let i = 0; ; i++) {
      try {
        stuck.push(rm.openConnection('inbound', multiaddr(`/ip4/192.0.2.${i % 250}/tcp/${i}`)))
      } catch (err) {
        expect((err as ResourceLimitError).scope).toBe('transient')
        expect((err as ResourceLimitError).resource).toBe('connsInbound')
        break
      }
    }
    expect(stuck).toHaveLength(24) // transient connsInbound = 16 + 8 × 1 GiB
    const out = rm.openConnection('outbound', multiaddr('/ip4/203.0.113.1/tcp/1'))
    out.setPeer(fakePeer('friend'))
    // Once out of transient, it leaves room for more.
    expect(rm.stat().transient.usage.connsOutbound).toBe(0)
    out.done()
    for (const c of stuck) c.done()
    expect(rm.stat().transient.usage.connsInbound).toBe(0)
  })

  it('a stream flood from one peer is refused by the tightest scope and fully released', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED } })
    const conn = rm.openConnection('inbound', multiaddr('/ip4/198.51.100.1/tcp/1'))
    conn.setPeer(fakePeer('flooder'))
    let accepted = 0
    let err: ResourceLimitError | undefined
    for (let i = 0; i < 10_000 && err === undefined; i++) {
      try {
        const s = conn.openStream('inbound')
        try {
          s.setProtocol('/flood/1.0.0')
          accepted++
        } catch (e) {
          s.done()
          throw e
        }
      } catch (e) {
        err = e as ResourceLimitError
      }
    }
    // protocol-peer allows 128 inbound streams per peer per protocol.
    expect(accepted).toBe(128)
    expect(err).toMatchObject({
      code: 'RESOURCE_LIMIT_EXCEEDED',
      scope: 'protocol-peer:/flood/1.0.0:flooder',
    })
    conn.done()
    const st = rm.stat()
    expect(st.system.usage.streamsInbound).toBe(0)
    expect(st.protocols).toEqual({})
    expect(st.peers).toEqual({})
  })

  it('a muxer asking for window growth without end is told no at 60 % of the connection memory', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED, conn: { memory: 1 << 20 } } })
    const conn = rm.openConnection('inbound', multiaddr('/ip4/198.51.100.1/tcp/1'))
    const account = conn.memoryAccount()
    let granted = 0
    while (account.reserveMemory(16 * 1024)) granted += 16 * 1024
    expect(granted).toBeLessThanOrEqual(0.6 * (1 << 20))
    expect(granted).toBeGreaterThan(0.6 * (1 << 20) - 16 * 1024)
    // Higher-priority reservations still fit in the rest.
    conn.reserveMemory(100_000, 'high')
    expectTyped(() => conn.reserveMemory(1 << 20, 'always'), 'RESOURCE_LIMIT_EXCEEDED')
    conn.done()
    expect(rm.stat().system.usage.memory).toBe(0)
  })
})
