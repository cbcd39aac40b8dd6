/**
 * Property: random interleavings of open / attach / reserve / release / done over
 * random scope trees, with random small limits, never drive a counter negative, never
 * exceed a limit, keep the system scope equal to the sum of what is open, and return
 * every scope to zero once everything is closed.
 */

import { multiaddr } from '@multiformats/multiaddr'
import { type MemoryPriority, ResourceLimitError, type ScopeStat } from '@switchyard/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ConnectionScope } from '../src/connection-scope.js'
import { createResourceManager, type ScopeSnapshot } from '../src/manager.js'
import type { ScopeNode } from '../src/scope.js'
import type { StreamScope } from '../src/stream-scope.js'
import { fakePeer, PINNED } from './helpers.js'

const PEERS = ['p0', 'p1', 'p2'].map(fakePeer)
const ADDRS = ['/ip4/10.0.0.1/tcp/1', '/ip4/10.0.0.2/tcp/1', '/ip6/2001:db8::1/tcp/1', '/memory/m'].map((a) =>
  multiaddr(a),
)
const PROTOCOLS = ['/a', '/b']
const SERVICES = ['s', 't']
const PRIORITIES: MemoryPriority[] = ['low', 'medium', 'high', 'always']

const op = fc.oneof(
  fc.record({ kind: fc.constant('open' as const), dir: fc.boolean(), addr: fc.nat(3), fd: fc.boolean() }),
  fc.record({ kind: fc.constant('setPeer' as const), target: fc.nat(), peer: fc.nat(2) }),
  fc.record({ kind: fc.constant('stream' as const), target: fc.nat(), dir: fc.boolean() }),
  fc.record({ kind: fc.constant('protocol' as const), target: fc.nat(), name: fc.nat(1) }),
  fc.record({ kind: fc.constant('service' as const), target: fc.nat(), name: fc.nat(1) }),
  fc.record({ kind: fc.constant('span' as const), target: fc.nat() }),
  fc.record({ kind: fc.constant('reserve' as const), target: fc.nat(), bytes: fc.nat(600), prio: fc.nat(3) }),
  fc.record({ kind: fc.constant('release' as const), target: fc.nat(), bytes: fc.nat(600) }),
  fc.record({ kind: fc.constant('done' as const), target: fc.nat() }),
)

const small = fc.integer({ min: 0, max: 6 })
const limits = fc.record({
  system: fc.record({
    conns: small,
    streams: fc.integer({ min: 0, max: 12 }),
    memory: fc.nat(3000),
    fd: small,
  }),
  transient: fc.record({ conns: small, streamsInbound: small, memory: fc.nat(2000) }),
  peerDefault: fc.record({ conns: fc.nat(3), streams: small, memory: fc.nat(2000) }),
  conn: fc.record({ streams: fc.nat(4), memory: fc.nat(1500) }),
  stream: fc.record({ memory: fc.nat(800) }),
  protocolDefault: fc.record({ streams: fc.nat(4), memory: fc.nat(2000) }),
  protocolPeerDefault: fc.record({ streams: fc.nat(3) }),
  serviceDefault: fc.record({ streams: fc.nat(4), memory: fc.nat(2000) }),
  servicePeerDefault: fc.record({ streams: fc.nat(3) }),
  allowlistedSystem: fc.record({ conns: small }),
})

const KINDS = ['memory', 'fd', 'connsInbound', 'connsOutbound', 'streamsInbound', 'streamsOutbound'] as const

function checkSnapshot(name: string, s: ScopeSnapshot): void {
  for (const k of KINDS) {
    expect(s.usage[k], `${name}.${k}`).toBeGreaterThanOrEqual(0)
    const limit = s.limit[k]
    if (limit !== 'unlimited') expect(s.usage[k], `${name}.${k} over limit`).toBeLessThanOrEqual(limit)
  }
  const total = (a: number, b: number, l: number | 'unlimited') => l === 'unlimited' || a + b <= l
  expect(total(s.usage.connsInbound, s.usage.connsOutbound, s.limit.conns), `${name}.conns`).toBe(true)
  expect(total(s.usage.streamsInbound, s.usage.streamsOutbound, s.limit.streams), `${name}.streams`).toBe(
    true,
  )
}

const ZERO: ScopeStat = {
  memory: 0,
  fd: 0,
  connsInbound: 0,
  connsOutbound: 0,
  streamsInbound: 0,
  streamsOutbound: 0,
}

describe('resource scopes (property)', () => {
  it('never go negative, never exceed a limit, and return to zero', () => {
    // Successful operations per kind over all runs: the property must not pass vacuously.
    const succeeded = new Map<string, number>()
    fc.assert(
      fc.property(limits, fc.array(op, { maxLength: 80 }), fc.boolean(), (lim, ops, allowlist) => {
        const rm = createResourceManager({
          limits: {
            ...lim,
            autoscale: PINNED,
            subnetConnLimits: {
              ipv4: [{ prefixLength: 32, conns: 3 }],
              ipv6: [{ prefixLength: 56, conns: 3 }],
            },
            inboundRateLimits: { ipv4: [], ipv6: [] },
            ...(allowlist ? { allowlist: ['10.0.0.2'] } : {}),
          },
        })
        const conns: ConnectionScope[] = []
        const streams: StreamScope[] = []
        const scopes: ScopeNode[] = []
        /** Memory reserved directly in each scope, per the model. */
        const direct = new Map<ScopeNode, number>()
        const pick = <T>(list: T[], i: number): T | undefined =>
          list.length === 0 ? undefined : list[i % list.length]

        for (const o of ops) {
          try {
            switch (o.kind) {
              case 'open': {
                const c = rm.openConnection(o.dir ? 'inbound' : 'outbound', ADDRS[o.addr]!, { useFd: o.fd })
                conns.push(c)
                scopes.push(c)
                break
              }
              case 'setPeer':
                pick(conns, o.target)?.setPeer(PEERS[o.peer]!)
                break
              case 'stream': {
                const c = pick(conns, o.target)
                if (c === undefined) break
                const s = c.openStream(o.dir ? 'inbound' : 'outbound')
                streams.push(s)
                scopes.push(s)
                break
              }
              case 'protocol':
                pick(streams, o.target)?.setProtocol(PROTOCOLS[o.name]!)
                break
              case 'service':
                pick(streams, o.target)?.setService(SERVICES[o.name]!)
                break
              case 'span': {
                const owner = pick(scopes, o.target) as ConnectionScope | undefined
                if (owner !== undefined) scopes.push(owner.beginSpan())
                break
              }
              case 'reserve': {
                const s = pick(scopes, o.target)
                if (s === undefined) break
                s.reserveMemory(o.bytes, PRIORITIES[o.prio])
                direct.set(s, (direct.get(s) ?? 0) + o.bytes)
                break
              }
              case 'release': {
                const s = pick(scopes, o.target)
                if (s === undefined) break
                const n = Math.min(o.bytes, direct.get(s) ?? 0)
                s.releaseMemory(n)
                direct.set(s, (direct.get(s) ?? 0) - n)
                break
              }
              case 'done':
                pick(scopes, o.target)?.done()
                break
            }
            succeeded.set(o.kind, (succeeded.get(o.kind) ?? 0) + 1)
          } catch (err) {
            // Refusals and misuse (setPeer twice, stream before peer) are expected;
            // anything else is a bug.
            if (!(err instanceof ResourceLimitError) && !(err instanceof TypeError)) throw err
          }
          for (const s of scopes) if (s.closed) direct.delete(s)

          const st = rm.stat()
          for (const [name, snap] of [
            ['system', st.system],
            ['transient', st.transient],
            ['allowlistedSystem', st.allowlistedSystem],
            ['allowlistedTransient', st.allowlistedTransient],
            ...Object.entries(st.peers),
            ...Object.entries(st.protocols),
            ...Object.entries(st.services),
            ...Object.entries(st.protocolPeers),
            ...Object.entries(st.servicePeers),
          ] as [string, ScopeSnapshot][]) {
            checkSnapshot(name, snap)
          }
          for (const s of scopes) {
            if (s.closed) continue
            const limit = Object.fromEntries(
              Object.entries(s.limit).map(([k, v]) => [k, v === Number.POSITIVE_INFINITY ? 'unlimited' : v]),
            ) as ScopeSnapshot['limit']
            checkSnapshot(s.name, { usage: s.stat(), limit, pressure: 0 })
          }
          // The system scopes hold exactly what is open.
          const open = conns.filter((c) => !c.closed)
          const openStreams = streams.filter((s) => !s.closed)
          const sys = st.system.usage
          const asys = st.allowlistedSystem.usage
          expect(sys.connsInbound + asys.connsInbound).toBe(
            open.filter((c) => c.direction === 'inbound').length,
          )
          expect(sys.streamsInbound + sys.streamsOutbound).toBe(openStreams.length)
          let mem = 0
          for (const n of direct.values()) mem += n
          expect(sys.memory + asys.memory).toBe(mem)
        }

        for (const c of conns) c.done()
        const st = rm.stat()
        expect(st.system.usage).toEqual(ZERO)
        expect(st.transient.usage).toEqual(ZERO)
        expect(st.allowlistedSystem.usage).toEqual(ZERO)
        expect(st.allowlistedTransient.usage).toEqual(ZERO)
        expect(st.peers).toEqual({})
        expect(st.protocols).toEqual({})
        expect(st.services).toEqual({})
        expect(st.protocolPeers).toEqual({})
        expect(st.servicePeers).toEqual({})
        expect(st.subnets).toBe(0)
        expect(st.connections).toBe(0)
        for (const s of scopes) expect(s.closed).toBe(true)
      }),
      { numRuns: 300 },
    )
    for (const kind of [
      'open',
      'setPeer',
      'stream',
      'protocol',
      'service',
      'span',
      'reserve',
      'release',
      'done',
    ]) {
      expect(succeeded.get(kind) ?? 0, kind).toBeGreaterThan(50)
    }
  })
})
