import { multiaddr } from '@multiformats/multiaddr'
import { AddressTTL } from '@switchyard/interface'
import { fakePeerId } from '@switchyard/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPeerstore, peerKey } from './memory-peerstore.js'

const A = multiaddr('/ip4/10.0.0.1/tcp/4001')

describe('MemoryPeerstore', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs GC on its own timer and stops it on close', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    let t = 0
    const store = createMemoryPeerstore({ now: () => t, gcIntervalMs: 1000 })
    store.addAddrs(fakePeerId(), [A], AddressTTL.temporary)
    t += AddressTTL.temporary
    expect(store.size).toBe(1)
    vi.advanceTimersByTime(1000)
    expect(store.size).toBe(0)
    expect(vi.getTimerCount()).toBe(1)
    await store.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('does not start a GC timer with gcIntervalMs 0', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const store = createMemoryPeerstore({ gcIntervalMs: 0 })
    expect(vi.getTimerCount()).toBe(0)
    await store.close()
  })

  it('serves the dial hot path from a cached list while nothing changes', () => {
    const store = createMemoryPeerstore({ gcIntervalMs: 0 })
    const p = fakePeerId()
    store.addAddrs(p, [A], AddressTTL.default)
    const first = store.addrs(p)
    expect(store.addrs(p)).toBe(first)
    store.recordDial(p, A, { ok: true })
    expect(store.addrs(p)).toBe(first) // stats change in place; the list is the same
    store.addAddrs(p, [multiaddr('/ip4/10.0.0.2/tcp/4001')], AddressTTL.default)
    expect(store.addrs(p)).not.toBe(first)
  })

  it('stays bounded under a hostile identify flood', () => {
    const store = createMemoryPeerstore({ gcIntervalMs: 0 })
    const p = fakePeerId()
    const addrs = Array.from({ length: 5000 }, (_, i) =>
      multiaddr(`/ip4/10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/tcp/1`),
    )
    store.addAddrs(p, addrs, AddressTTL.default)
    const protocols = Array.from({ length: 5000 }, (_, i) => `/spam/${i}`)
    store.setProtocols(p, protocols)
    store.addProtocols(p, ['/more', 'y'.repeat(1_000_000)])
    expect(store.addrs(p)).toHaveLength(64)
    expect(store.protocols(p)).toHaveLength(128)
    expect(() => store.setPublicKey(p, new Uint8Array(1_000_000))).toThrow(
      expect.objectContaining({ code: 'PEERSTORE_LIMIT_EXCEEDED' }),
    )
    expect(() => store.setMetadata(p, 'k', new Uint8Array(1_000_000))).toThrow(
      expect.objectContaining({ code: 'PEERSTORE_LIMIT_EXCEEDED' }),
    )
    // Equal TTLs: the first 64 stay (a newcomer only displaces an address expiring sooner).
    expect(store.addrs(p)[63]?.multiaddr.toString()).toBe('/ip4/10.0.0.63/tcp/1')
    store.recordDial(p, addrs[0] as (typeof addrs)[number], { ok: false, code: 'E'.repeat(100_000) })
    expect(store.addrs(p)[0]?.stats.lastErrorCode).toHaveLength(64)
  })

  it('evicts only among the oldest evictionScanLimit peers', () => {
    const store = createMemoryPeerstore({ gcIntervalMs: 0, maxPeers: 4, evictionScanLimit: 2 })
    const ids = [0, 1, 2, 3].map((i) => fakePeerId(i))
    store.tag(ids[0] as (typeof ids)[number], 'keep')
    store.tag(ids[1] as (typeof ids)[number], 'keep')
    store.addAddrs(ids[2] as (typeof ids)[number], [A], AddressTTL.default)
    store.addAddrs(ids[3] as (typeof ids)[number], [A], AddressTTL.default)
    expect(() => store.addAddrs(fakePeerId(9), [A], AddressTTL.default)).toThrow(
      expect.objectContaining({ code: 'PEERSTORE_FULL' }),
    )
  })

  it('keys peers by their string form and rejects non-PeerIds', () => {
    const p = fakePeerId(1)
    expect(peerKey(p)).toBe(p.toString())
    expect(() => peerKey({} as typeof p)).toThrow(TypeError)
    expect(() => peerKey({ bytes: new Uint8Array(1), toString: () => '', equals: () => true })).toThrow(
      TypeError,
    )
  })

  it('announces a new peer before the change that created it', () => {
    const store = createMemoryPeerstore({ gcIntervalMs: 0 })
    const seen: string[] = []
    store.subscribe((e) => seen.push(e.type === 'peer:updated' ? `${e.type}:${e.field}` : e.type))
    const p = fakePeerId()
    store.recordConnect(p)
    store.recordLatency(p, 3)
    store.tag(p, 'x')
    store.untag(p, 'x')
    store.setPublicKey(p, new Uint8Array([1]))
    store.setPublicKey(p, new Uint8Array([1])) // unchanged: no event
    expect(seen).toEqual([
      'peer:added',
      'peer:updated:connection',
      'peer:updated:latency',
      'peer:updated:tags',
      'peer:updated:tags',
      'peer:updated:publicKey',
    ])
  })
})

describe('MemoryPeerstore re-entrancy', () => {
  it('a listener writing addresses while a new peer is added does not corrupt the outer write', () => {
    const store = createMemoryPeerstore({ gcIntervalMs: 0 })
    const p = fakePeerId(1)
    const q = fakePeerId(2)
    const B = multiaddr('/ip4/10.9.9.9/tcp/1')
    store.subscribe((e) => {
      if (e.type === 'peer:added' && e.peerId === p) store.addAddrs(q, [B], AddressTTL.default)
    })
    store.addAddrs(p, [A, multiaddr('/ip4/10.0.0.2/tcp/4001')], AddressTTL.default)
    expect(store.addrs(p).map((a) => a.multiaddr.toString())).toEqual([
      '/ip4/10.0.0.1/tcp/4001',
      '/ip4/10.0.0.2/tcp/4001',
    ])
    expect(store.addrs(q).map((a) => a.multiaddr.toString())).toEqual(['/ip4/10.9.9.9/tcp/1'])
  })
})

describe('MemoryPeerstore shared empty collections', () => {
  it("one peer's first protocol, metadata or tag never shows up on another peer", () => {
    const store = createMemoryPeerstore({ gcIntervalMs: 0 })
    const [p, q] = [fakePeerId(1), fakePeerId(2)]
    store.addAddrs(p, [A], AddressTTL.default)
    store.addAddrs(q, [A], AddressTTL.default)
    store.removeProtocols(q, ['/none'])
    store.untag(q, 'none')
    store.setMetadata(q, 'none', undefined)
    store.addProtocols(p, ['/a'])
    store.setMetadata(p, 'k', new Uint8Array([1]))
    store.tag(p, 't')
    expect(store.protocols(q)).toEqual([])
    expect(store.metadata(q, 'k')).toBeUndefined()
    expect(store.tags(q).size).toBe(0)
    expect(store.get(q)?.metadata.size).toBe(0)
  })

  it("a peer without addresses (e.g. inbound) shares the empty map; one peer's first address stays its own", () => {
    const store = createMemoryPeerstore({ gcIntervalMs: 0 })
    const [p, q, r] = [fakePeerId(1), fakePeerId(2), fakePeerId(3)]
    store.recordConnect(p)
    store.recordConnect(q)
    store.clearAddrs(q)
    store.setAddrs(q, [A], 0)
    store.updateAddrs(q, AddressTTL.default, AddressTTL.recentlyConnected)
    store.addAddrs(r, [A], AddressTTL.default)
    store.addAddrs(p, [A], AddressTTL.default)
    expect(store.addrs(q)).toEqual([])
    expect(store.get(q)?.addresses).toEqual([])
    expect(store.addrs(p).map((a) => a.multiaddr.toString())).toEqual([A.toString()])
    store.setAddrs(p, [A], 0)
    expect(store.addrs(p)).toEqual([])
    expect(store.addrs(r).map((a) => a.multiaddr.toString())).toEqual([A.toString()])
  })
})
