import { multiaddr } from '@multiformats/multiaddr'
import { ResourceLimitError, SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { fakeClock, fakePeer, PINNED } from '../test/helpers.js'
import { createResourceManager, type PressureEvent } from './manager.js'
import type { ReservationEvent } from './scope.js'

const A = multiaddr('/ip4/203.0.113.7/tcp/4001')
const alice = fakePeer('alice')
const bob = fakePeer('bob')

function catchErr(fn: () => unknown): ResourceLimitError {
  try {
    fn()
  } catch (err) {
    expect(SwitchyardError.is(err)).toBe(true)
    return err as ResourceLimitError
  }
  throw new Error('expected a throw')
}

describe('ScopedResourceManager', () => {
  it('accounts a connection in transient then in its peer, and releases it on done', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED } })
    const conn = rm.openConnection('inbound', A)
    expect(rm.stat().transient.usage).toMatchObject({ connsInbound: 1, fd: 1 })
    expect(rm.stat().system.usage).toMatchObject({ connsInbound: 1, fd: 1 })
    conn.setPeer(alice)
    expect(rm.stat().transient.usage).toMatchObject({ connsInbound: 0, fd: 0 })
    expect(rm.stat().peers.alice?.usage).toMatchObject({ connsInbound: 1, fd: 1 })
    expect(rm.stat().system.usage).toMatchObject({ connsInbound: 1, fd: 1 })
    conn.done()
    conn.done()
    expect(rm.stat().system.usage).toEqual({
      memory: 0,
      fd: 0,
      connsInbound: 0,
      connsOutbound: 0,
      streamsInbound: 0,
      streamsOutbound: 0,
    })
    // The peer scope is dropped once nothing uses it.
    expect(rm.stat().peers).toEqual({})
    expect(rm.stat().connections).toBe(0)
    expect(rm.stat().subnets).toBe(0)
  })

  it('useFd: false holds no file descriptor', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED } })
    const conn = rm.openConnection('outbound', multiaddr('/memory/x'), { useFd: false })
    expect(rm.stat().system.usage.fd).toBe(0)
    expect(rm.stat().system.usage.connsOutbound).toBe(1)
    conn.done()
  })

  it('refuses a connection over the system limit with an error naming scope, resource, usage and limit', () => {
    const rm = createResourceManager({
      limits: { autoscale: PINNED, system: { connsInbound: 2 }, subnetConnLimits: { ipv4: [] } },
    })
    const a = rm.openConnection('inbound', A)
    const b = rm.openConnection('inbound', A)
    const err = catchErr(() => rm.openConnection('inbound', A))
    expect(err.code).toBe('RESOURCE_LIMIT_EXCEEDED')
    expect(err).toMatchObject({
      scope: 'system',
      resource: 'connsInbound',
      current: 2,
      requested: 1,
      limit: 2,
    })
    expect(err.message).toContain('system')
    // Nothing partial is left behind: transient still counts two.
    expect(rm.stat().transient.usage.connsInbound).toBe(2)
    a.done()
    b.done()
    expect(rm.stat().transient.usage.connsInbound).toBe(0)
  })

  it('refuses setPeer over the per-peer limit and leaves the connection transient', () => {
    const rm = createResourceManager({
      limits: { autoscale: PINNED, peerDefault: { connsInbound: 1 }, subnetConnLimits: { ipv4: [] } },
    })
    const a = rm.openConnection('inbound', A)
    a.setPeer(alice)
    const b = rm.openConnection('inbound', A)
    const err = catchErr(() => b.setPeer(alice))
    expect(err).toMatchObject({ scope: 'peer:alice', resource: 'connsInbound', current: 1, limit: 1 })
    expect(b.peer).toBeUndefined()
    expect(rm.stat().transient.usage.connsInbound).toBe(1)
    b.setPeer(bob)
    expect(Object.keys(rm.stat().peers).sort()).toEqual(['alice', 'bob'])
    a.done()
    b.done()
    expect(rm.stat().peers).toEqual({})
  })

  it('per-peer overrides by peer id', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED, peer: { alice: { connsOutbound: 0 } } } })
    const a = rm.openConnection('outbound', A)
    expect(catchErr(() => a.setPeer(alice))).toMatchObject({ scope: 'peer:alice', limit: 0 })
    a.setPeer(bob)
    a.done()
  })

  it('streams count in their connection, peer, transient, then protocol and service scopes', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED } })
    const conn = rm.openConnection('outbound', A)
    expect(() => conn.openStream('outbound')).toThrow(TypeError)
    conn.setPeer(alice)
    const s = conn.openStream('outbound')
    expect(conn.stat().streamsOutbound).toBe(1)
    expect(rm.stat().transient.usage.streamsOutbound).toBe(1)
    expect(rm.stat().peers.alice?.usage.streamsOutbound).toBe(1)
    s.setProtocol('/echo/1.0.0')
    expect(rm.stat().transient.usage.streamsOutbound).toBe(0)
    expect(rm.stat().protocols['/echo/1.0.0']?.usage.streamsOutbound).toBe(1)
    expect(rm.stat().protocolPeers['/echo/1.0.0 alice']?.usage.streamsOutbound).toBe(1)
    s.setService('echo')
    expect(rm.stat().services.echo?.usage.streamsOutbound).toBe(1)
    expect(rm.stat().servicePeers['echo alice']?.usage.streamsOutbound).toBe(1)
    s.reserveMemory(1000)
    expect(rm.stat().services.echo?.usage.memory).toBe(1000)
    expect(conn.stat().memory).toBe(1000)
    expect(rm.stat().system.usage.memory).toBe(1000)
    s.done()
    const st = rm.stat()
    expect(st.protocols).toEqual({})
    expect(st.services).toEqual({})
    expect(st.system.usage.memory).toBe(0)
    expect(conn.stat().streamsOutbound).toBe(0)
    conn.done()
  })

  it('enforces the per-connection stream limit from the seed (256 inbound)', () => {
    const rm = createResourceManager({
      limits: {
        autoscale: PINNED,
        protocolPeerDefault: { streams: 'unlimited', streamsInbound: 'unlimited' },
      },
    })
    const conn = rm.openConnection('inbound', A)
    conn.setPeer(alice)
    const streams = []
    for (let i = 0; i < 256; i++) {
      const s = conn.openStream('inbound')
      s.setProtocol('/p')
      streams.push(s)
    }
    const err = catchErr(() => conn.openStream('inbound'))
    expect(err).toMatchObject({ scope: conn.name, resource: 'streamsInbound', current: 256, limit: 256 })
    // Outbound streams still have room.
    conn.openStream('outbound').done()
    conn.done()
    expect(streams.every((s) => s.closed)).toBe(true)
    expect(rm.stat().system.usage.streamsInbound).toBe(0)
    expect(rm.stat().protocols).toEqual({})
  })

  it('closing a connection closes its streams and spans exactly once', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED } })
    const conn = rm.openConnection('inbound', A)
    conn.setPeer(alice)
    const s = conn.openStream('inbound')
    s.reserveMemory(10)
    const span = s.beginSpan()
    span.reserveMemory(20)
    conn.reserveMemory(5)
    expect(rm.stat().system.usage.memory).toBe(35)
    conn.done()
    expect(s.closed && span.closed).toBe(true)
    span.done()
    s.done()
    s.releaseMemory(10)
    expect(rm.stat().system.usage).toMatchObject({ memory: 0, streamsInbound: 0, connsInbound: 0 })
    const err = catchErr(() => s.reserveMemory(1))
    expect(err.code).toBe('RESOURCE_SCOPE_CLOSED')
    expect(catchErr(() => conn.openStream('inbound')).code).toBe('RESOURCE_SCOPE_CLOSED')
    expect(catchErr(() => conn.beginSpan()).code).toBe('RESOURCE_SCOPE_CLOSED')
  })

  it('spans release on scope exit with `using`', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED } })
    const conn = rm.openConnection('inbound', A)
    {
      using span = conn.beginSpan()
      span.reserveMemory(4096)
      using inner = span.beginSpan()
      inner.reserveMemory(1)
      expect(conn.stat().memory).toBe(4097)
    }
    expect(conn.stat().memory).toBe(0)
    conn.done()
  })

  it('memory priorities: low stops at 40 % of the limit, always at 100 %', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED, conn: { memory: 1000 } } })
    const conn = rm.openConnection('inbound', A)
    conn.reserveMemory(400, 'low')
    const err = catchErr(() => conn.reserveMemory(1, 'low'))
    expect(err).toMatchObject({
      scope: conn.name,
      resource: 'memory',
      current: 400,
      requested: 1,
      limit: 400,
    })
    conn.reserveMemory(200, 'medium')
    expect(() => conn.reserveMemory(1, 'medium')).toThrow(ResourceLimitError)
    conn.reserveMemory(200, 'high')
    conn.reserveMemory(200, 'always')
    expect(() => conn.reserveMemory(1, 'always')).toThrow(ResourceLimitError)
    expect(() => conn.releaseMemory(1001)).toThrow(RangeError)
    expect(() => conn.reserveMemory(-1)).toThrow(RangeError)
    expect(() => conn.reserveMemory(1.5)).toThrow(RangeError)
    conn.done()
  })

  it('provides a MemoryAccount for the muxer that answers false instead of throwing', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED, conn: { memory: 1000 } } })
    const conn = rm.openConnection('inbound', A)
    const account = conn.memoryAccount('always')
    expect(account.reserveMemory(600)).toBe(true)
    expect(account.reserveMemory(600)).toBe(false)
    account.releaseMemory(600)
    expect(conn.stat().memory).toBe(0)
    conn.done()
    expect(account.reserveMemory(1)).toBe(false)
  })

  it('allowlisted connections use the allowlisted scopes and skip subnet caps and rate limits', () => {
    const rm = createResourceManager({
      limits: {
        autoscale: PINNED,
        allowlist: ['/ip4/203.0.113.0/ipcidr/24'],
        system: { connsInbound: 0 },
        subnetConnLimits: { ipv4: [{ prefixLength: 32, conns: 0 }] },
        inboundRateLimits: { global: { perSecond: 1, burst: 1 } },
      },
    })
    const conns = [rm.openConnection('inbound', A), rm.openConnection('inbound', A)]
    expect(rm.stat().allowlistedSystem.usage.connsInbound).toBe(2)
    expect(rm.stat().system.usage.connsInbound).toBe(0)
    expect(() => rm.openConnection('inbound', multiaddr('/ip4/198.51.100.1/tcp/1'))).toThrow(
      ResourceLimitError,
    )
    conns[0]!.setPeer(alice)
    expect(rm.stat().allowlistedSystem.usage.connsInbound).toBe(2)
    for (const c of conns) c.done()
    expect(rm.stat().allowlistedSystem.usage.connsInbound).toBe(0)
  })

  it('an allowlist entry restricted to a peer keeps only that peer allowlisted', () => {
    const rm = createResourceManager({
      limits: { autoscale: PINNED, allowlist: ['/ip4/203.0.113.7/p2p/alice'] },
    })
    const a = rm.openConnection('inbound', A)
    const b = rm.openConnection('inbound', A)
    expect(rm.stat().allowlistedTransient.usage.connsInbound).toBe(2)
    a.setPeer(alice)
    b.setPeer(bob)
    expect(rm.stat().allowlistedSystem.usage.connsInbound).toBe(1)
    expect(rm.stat().system.usage.connsInbound).toBe(1)
    a.done()
    b.done()
    expect(rm.stat().allowlistedSystem.usage.connsInbound).toBe(0)
    expect(rm.stat().system.usage.connsInbound).toBe(0)
  })

  it('caps concurrent connections per subnet, both directions, and frees the slot on done', () => {
    const rm = createResourceManager({
      limits: { autoscale: PINNED, subnetConnLimits: { ipv4: [{ prefixLength: 24, conns: 2 }] } },
    })
    const a = rm.openConnection('inbound', multiaddr('/ip4/198.51.100.1/tcp/1'))
    const b = rm.openConnection('outbound', multiaddr('/ip4/198.51.100.2/tcp/1'))
    const err = catchErr(() => rm.openConnection('outbound', multiaddr('/ip4/198.51.100.3/tcp/1')))
    expect(err).toMatchObject({
      code: 'RESOURCE_LIMIT_EXCEEDED',
      scope: 'subnet:198.51.100.0/24',
      resource: 'conns',
      current: 2,
      limit: 2,
    })
    rm.openConnection('outbound', multiaddr('/ip4/198.51.101.3/tcp/1')).done()
    a.done()
    rm.openConnection('outbound', multiaddr('/ip4/198.51.100.3/tcp/1')).done()
    b.done()
    expect(rm.stat().subnets).toBe(0)
  })

  it('a refused connection scope gives its subnet slot back', () => {
    const rm = createResourceManager({
      limits: {
        autoscale: PINNED,
        system: { conns: 0 },
        subnetConnLimits: { ipv4: [{ prefixLength: 32, conns: 1 }] },
      },
    })
    expect(catchErr(() => rm.openConnection('outbound', A)).scope).toBe('system')
    expect(rm.stat().subnets).toBe(0)
  })

  it('rate-limits inbound connections per IPv4 /32 with a token bucket', () => {
    const clock = fakeClock()
    const rm = createResourceManager({
      clock: clock.now,
      limits: {
        autoscale: PINNED,
        subnetConnLimits: { ipv4: [] },
        inboundRateLimits: { ipv4: [{ prefixLength: 32, perSecond: 2, burst: 3 }] },
      },
    })
    for (let i = 0; i < 3; i++) rm.openConnection('inbound', A).done()
    const err = catchErr(() => rm.openConnection('inbound', A))
    expect(err).toMatchObject({
      code: 'RESOURCE_RATE_LIMITED',
      scope: 'rate:203.0.113.7/32',
      resource: 'rate',
    })
    // Another address has its own bucket; outbound is never rate-limited.
    rm.openConnection('inbound', multiaddr('/ip4/203.0.113.8/tcp/1')).done()
    rm.openConnection('outbound', A).done()
    clock.advance(499)
    expect(() => rm.openConnection('inbound', A)).toThrow(ResourceLimitError)
    clock.advance(1)
    rm.openConnection('inbound', A).done()
    // Loopback is exempt.
    for (let i = 0; i < 10; i++) rm.openConnection('inbound', multiaddr('/ip4/127.0.0.1/tcp/1')).done()
  })

  it('rate-limits IPv6 per /56 and /48', () => {
    const clock = fakeClock()
    const rm = createResourceManager({
      clock: clock.now,
      limits: {
        autoscale: PINNED,
        subnetConnLimits: { ipv6: [] },
        inboundRateLimits: {
          ipv6: [
            { prefixLength: 56, perSecond: 1, burst: 1 },
            { prefixLength: 48, perSecond: 1, burst: 2 },
          ],
        },
      },
    })
    rm.openConnection('inbound', multiaddr('/ip6/2001:db8:0:100::1/tcp/1')).done()
    // Same /56: refused by the /56 bucket.
    expect(
      catchErr(() => rm.openConnection('inbound', multiaddr('/ip6/2001:db8:0:1ff::2/tcp/1'))).scope,
    ).toBe('rate:2001:db8:0:100::/56')
    rm.openConnection('inbound', multiaddr('/ip6/2001:db8:0:200::1/tcp/1')).done()
    // The /48 bucket (burst 2) is now empty too, for a third /56.
    expect(
      catchErr(() => rm.openConnection('inbound', multiaddr('/ip6/2001:db8:0:300::1/tcp/1'))).scope,
    ).toBe('rate:2001:db8::/48')
    // Another /48 is untouched.
    rm.openConnection('inbound', multiaddr('/ip6/2001:db9::1/tcp/1')).done()
  })

  it('reports pressure edges with hysteresis and derives connection-manager watermarks', () => {
    const events: PressureEvent[] = []
    const rm = createResourceManager({
      limits: {
        autoscale: PINNED,
        system: { conns: 10 },
        subnetConnLimits: { ipv4: [] },
        peerDefault: { conns: 100 },
      },
      onPressure: (e) => events.push(e),
    })
    expect(rm.watermarks()).toEqual({ highConns: 9, lowConns: 8 })
    const conns = []
    for (let i = 0; i < 8; i++) conns.push(rm.openConnection('outbound', A))
    expect(rm.connectionsToTrim()).toBe(0)
    conns.push(rm.openConnection('outbound', A))
    expect(events).toEqual([{ level: 'high', pressure: 0.9, resource: 'conns' }])
    conns.push(rm.openConnection('outbound', A))
    expect(rm.pressure()).toBe(1)
    expect(rm.connectionsToTrim()).toBe(2)
    conns.pop()?.done()
    conns.pop()?.done()
    expect(events.length).toBe(2)
    expect(events[1]).toEqual({ level: 'normal', pressure: 0.8, resource: 'conns' })
    for (const c of conns) c.done()
  })

  it('calls metrics hooks for allowed, blocked and released reservations', () => {
    const seen: string[] = []
    const fmt = (e: ReservationEvent) => `${e.scopeClass}:${e.resource}:${e.amount}`
    const rm = createResourceManager({
      limits: { autoscale: PINNED, conn: { memory: 10 } },
      metrics: {
        allowed: (e) => seen.push(`allow ${fmt(e)}`),
        blocked: (e, err) => seen.push(`block ${fmt(e)} by ${err.scope}`),
        released: (e) => {
          seen.push(`release ${fmt(e)}`)
          throw new Error('a throwing hook does not break accounting')
        },
      },
    })
    const conn = rm.openConnection('outbound', multiaddr('/memory/a'), { useFd: false })
    conn.reserveMemory(8)
    expect(() => conn.reserveMemory(8)).toThrow(ResourceLimitError)
    conn.done()
    expect(seen).toEqual([
      'allow conn:connsOutbound:1',
      'allow conn:memory:8',
      `block conn:memory:8 by ${conn.name}`,
      'release conn:memory:8',
      'release conn:connsOutbound:1',
    ])
    expect(rm.stat().system.usage.memory).toBe(0)
  })

  it('validates its arguments', () => {
    const rm = createResourceManager({ limits: { autoscale: PINNED } })
    // @ts-expect-error bad direction
    expect(() => rm.openConnection('sideways', A)).toThrow(TypeError)
    // @ts-expect-error not a multiaddr
    expect(() => rm.openConnection('inbound', '/ip4/1.2.3.4')).toThrow(TypeError)
    const conn = rm.openConnection('inbound', A)
    conn.setPeer(alice)
    expect(() => conn.setPeer(bob)).toThrow(TypeError)
    const s = conn.openStream('inbound')
    expect(() => s.setService('svc')).toThrow(TypeError)
    expect(() => s.setProtocol('')).toThrow(TypeError)
    s.setProtocol('/a')
    expect(() => s.setProtocol('/b')).toThrow(TypeError)
    conn.done()
  })

  it('rejects invalid configuration with a message naming the path', () => {
    expect(() => createResourceManager({ limits: { system: { conns: -1 } } })).toThrow(
      /"system.conns" must be a non-negative integer or "unlimited"/,
    )
  })
})
