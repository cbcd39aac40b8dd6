/**
 * The peerstore compliance suite: the `Peerstore` contract of @switchyard/interface
 * (peerstore.ts), run against every store (`@switchyard/peerstore-memory`,
 * `@switchyard/peerstore-sqlite`).
 *
 * Time is a fake clock handed to the store, so TTL and GC tests never sleep.
 * When the store is persistent (`reopen` given), a second block checks that a
 * reopened store returns what was stored, minus what expired (libp2p connections
 * spec, "Peer Metadata Storage": rejoin the network after a restart).
 */
import {
  AddressTTL,
  type PeerId,
  type Peerstore,
  type PeerstoreEvent,
  SwitchyardError,
} from '@switchyard/interface'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'

// The multiaddr type as the interface package sees it (testkit does not depend on multiaddr itself).
type Multiaddr = Parameters<Peerstore['addAddrs']>[1][number]

/** The options the suite passes to a store it creates. */
export interface PeerstoreSuiteStoreInit {
  /** The suite's fake clock, in milliseconds. */
  now: () => number
  maxPeers?: number
  maxAddrsPerPeer?: number
  maxProtocolsPerPeer?: number
  maxMetadataPerPeer?: number
  maxTagsPerPeer?: number
  /** The suite runs GC itself: the store's timer must be off (0). */
  gcIntervalMs: number
}

/** What `runPeerstoreSuite` needs to know about a store. */
export interface PeerstoreSuiteInit {
  /** A fresh, empty store; called once or more per test. The suite closes what it creates. */
  create(init: PeerstoreSuiteStoreInit): Peerstore | Promise<Peerstore>
  /** Parses a multiaddr string (testkit does not depend on `@multiformats/multiaddr`). */
  multiaddr(s: string): Multiaddr
  /**
   * For persistent stores: close `store` and open the same storage again with `init`.
   * Omit for memory stores; the restart tests are skipped then.
   */
  reopen?(store: Peerstore, init: PeerstoreSuiteStoreInit): Peerstore | Promise<Peerstore>
}

/** A test double of `PeerId`: random bytes, a readable string form. */
export function fakePeerId(seed?: number): PeerId {
  const bytes = new Uint8Array(34)
  bytes[0] = 0x12
  bytes[1] = 32
  if (seed === undefined) crypto.getRandomValues(bytes.subarray(2))
  else new DataView(bytes.buffer).setUint32(2, seed)
  const str = `fake${Buffer.from(bytes.subarray(2)).toString('hex')}`
  return {
    bytes,
    toString: () => str,
    equals: (other: PeerId) => other.toString() === str,
  }
}

const START = 1_700_000_000_000

/** Registers the peerstore compliance tests (vitest `describe`) for one store. */
export function runPeerstoreSuite(name: string, init: PeerstoreSuiteInit): void {
  describe(`peerstore compliance: ${name}`, () => {
    let t = START
    const clock = { now: () => t }
    const open: Peerstore[] = []
    const ma = (s: string) => init.multiaddr(s)
    const A1 = () => ma('/ip4/10.0.0.1/tcp/4001')
    const A2 = () => ma('/ip4/10.0.0.2/tcp/4001')
    const A3 = () => ma('/ip6/::1/udp/4001/quic-v1')

    async function create(limits: Partial<PeerstoreSuiteStoreInit> = {}): Promise<Peerstore> {
      t = START
      const store = await init.create({ ...limits, now: clock.now, gcIntervalMs: 0 })
      open.push(store)
      return store
    }

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close()
    })

    const addrStrings = (store: Peerstore, p: PeerId) => store.addrs(p).map((a) => a.multiaddr.toString())

    it('starts empty and answers reads of unknown peers with empty results', async () => {
      const store = await create()
      const p = fakePeerId()
      expect(store.size).toBe(0)
      expect(store.has(p)).toBe(false)
      expect(store.get(p)).toBeUndefined()
      expect(store.addrs(p)).toEqual([])
      expect(store.protocols(p)).toEqual([])
      expect(store.supportsProtocols(p, ['/a'])).toEqual([])
      expect(store.publicKey(p)).toBeUndefined()
      expect(store.metadata(p, 'k')).toBeUndefined()
      expect(store.tags(p).size).toBe(0)
      expect(store.latency(p)).toBeUndefined()
      expect(store.peers()).toEqual([])
      expect(store.delete(p)).toBe(false)
    })

    it('stores addresses with their TTL and expiry, deduplicated', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1(), A2(), A1()], AddressTTL.default)
      expect(store.size).toBe(1)
      expect(store.has(p)).toBe(true)
      expect(addrStrings(store, p)).toEqual(['/ip4/10.0.0.1/tcp/4001', '/ip4/10.0.0.2/tcp/4001'])
      const [a] = store.addrs(p)
      expect(a?.ttlMs).toBe(AddressTTL.default)
      expect(a?.expiresAt).toBe(START + AddressTTL.default)
      expect(a?.stats).toMatchObject({ successes: 0, failures: 0, consecutiveFailures: 0 })
      expect(store.peers().map(String)).toEqual([p.toString()])
    })

    it('addAddrs never shortens a TTL; a longer one extends it (go-libp2p AddAddrs)', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1()], AddressTTL.default)
      t += 1000
      store.addAddrs(p, [A1()], AddressTTL.temporary)
      expect(store.addrs(p)[0]).toMatchObject({
        ttlMs: AddressTTL.default,
        expiresAt: START + AddressTTL.default,
      })
      store.addAddrs(p, [A1()], AddressTTL.permanent)
      expect(store.addrs(p)[0]).toMatchObject({
        ttlMs: AddressTTL.permanent,
        expiresAt: Number.POSITIVE_INFINITY,
      })
      store.addAddrs(p, [A2()], 0)
      store.addAddrs(p, [A2()], -5)
      expect(store.addrs(p)).toHaveLength(1)
    })

    it('setAddrs sets the TTL exactly and removes with a TTL <= 0', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1(), A2()], AddressTTL.permanent)
      store.setAddrs(p, [A1()], AddressTTL.temporary)
      expect(store.addrs(p)[0]).toMatchObject({
        ttlMs: AddressTTL.temporary,
        expiresAt: START + AddressTTL.temporary,
      })
      store.setAddrs(p, [A2()], 0)
      expect(addrStrings(store, p)).toEqual(['/ip4/10.0.0.1/tcp/4001'])
      store.setAddrs(fakePeerId(), [A1()], 0)
      expect(store.size).toBe(1)
    })

    it('updateAddrs moves connected addresses to recently-connected on disconnect', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1()], AddressTTL.connected)
      store.addAddrs(p, [A2()], AddressTTL.permanent)
      t += 5000
      store.updateAddrs(p, AddressTTL.connected, AddressTTL.recentlyConnected)
      const byAddr = new Map(store.addrs(p).map((a) => [a.multiaddr.toString(), a]))
      expect(byAddr.get('/ip4/10.0.0.1/tcp/4001')).toMatchObject({
        ttlMs: AddressTTL.recentlyConnected,
        expiresAt: t + AddressTTL.recentlyConnected,
      })
      expect(byAddr.get('/ip4/10.0.0.2/tcp/4001')?.ttlMs).toBe(AddressTTL.permanent)
      store.updateAddrs(p, AddressTTL.recentlyConnected, 0)
      expect(addrStrings(store, p)).toEqual(['/ip4/10.0.0.2/tcp/4001'])
    })

    it('never returns expired addresses, even before GC', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1()], AddressTTL.temporary)
      store.addAddrs(p, [A2()], AddressTTL.default)
      store.addAddrs(p, [A3()], AddressTTL.connected)
      expect(store.addrs(p)).toHaveLength(3)
      t += AddressTTL.temporary
      expect(addrStrings(store, p)).toEqual(['/ip4/10.0.0.2/tcp/4001', '/ip6/::1/udp/4001/quic-v1'])
      expect(store.get(p)?.addresses).toHaveLength(2)
      t += AddressTTL.default * 1000
      expect(addrStrings(store, p)).toEqual(['/ip6/::1/udp/4001/quic-v1'])
    })

    it('GC removes expired data and peers left with nothing, and reports them', async () => {
      const store = await create()
      const gone = fakePeerId()
      const keptByMeta = fakePeerId()
      const keptByAddr = fakePeerId()
      store.addAddrs(gone, [A1()], AddressTTL.temporary)
      store.addAddrs(keptByMeta, [A1()], AddressTTL.temporary)
      store.setMetadata(keptByMeta, 'agent', new Uint8Array([1]))
      store.addAddrs(keptByAddr, [A1()], AddressTTL.temporary)
      store.addAddrs(keptByAddr, [A2()], AddressTTL.permanent)
      store.tag(keptByAddr, 'short', { value: 5, ttlMs: 1000 })
      const events: PeerstoreEvent[] = []
      store.subscribe((e) => events.push(e))
      expect(store.gc()).toBe(0)
      t += AddressTTL.temporary
      expect(store.gc()).toBe(1)
      expect(store.has(gone)).toBe(false)
      expect(store.has(keptByMeta)).toBe(true)
      expect(store.addrs(keptByMeta)).toEqual([])
      expect(addrStrings(store, keptByAddr)).toEqual(['/ip4/10.0.0.2/tcp/4001'])
      expect(store.tags(keptByAddr).size).toBe(0)
      expect(events).toContainEqual({ type: 'peer:removed', peerId: gone, cause: 'expired' })
      expect(store.gc()).toBe(0)
    })

    it('keeps a connected peer through GC even without addresses', async () => {
      const store = await create()
      const p = fakePeerId()
      store.recordConnect(p)
      store.addAddrs(p, [A1()], AddressTTL.temporary)
      t += AddressTTL.temporary
      expect(store.gc()).toBe(0)
      expect(store.has(p)).toBe(true)
      store.recordDisconnect(p, 'normal')
      expect(store.gc()).toBe(0) // nothing expired since; the peer is left for the next expiry or eviction
    })

    it('caps addresses per peer, dropping the soonest-expiring', async () => {
      const store = await create({ maxAddrsPerPeer: 3 })
      const p = fakePeerId()
      store.addAddrs(p, [ma('/ip4/1.1.1.1/tcp/1')], AddressTTL.temporary)
      store.addAddrs(p, [ma('/ip4/1.1.1.2/tcp/1'), ma('/ip4/1.1.1.3/tcp/1')], AddressTTL.default)
      store.addAddrs(p, [ma('/ip4/1.1.1.4/tcp/1')], AddressTTL.permanent)
      expect(addrStrings(store, p).sort()).toEqual([
        '/ip4/1.1.1.2/tcp/1',
        '/ip4/1.1.1.3/tcp/1',
        '/ip4/1.1.1.4/tcp/1',
      ])
      // A flood of short-lived addresses cannot push out longer-lived ones.
      const flood = Array.from({ length: 1000 }, (_, i) => ma(`/ip4/2.2.${i >> 8}.${i & 255}/tcp/1`))
      store.addAddrs(p, flood, AddressTTL.temporary)
      expect(store.addrs(p)).toHaveLength(3)
      expect(addrStrings(store, p)).toContain('/ip4/1.1.1.4/tcp/1')
    })

    it('caps peers in total, evicting the least recently written unprotected peer', async () => {
      const store = await create({ maxPeers: 3 })
      const [a, b, c, d, e] = [fakePeerId(), fakePeerId(), fakePeerId(), fakePeerId(), fakePeerId()]
      store.tag(a, 'keep', { value: 50 })
      store.addAddrs(b, [A1()], AddressTTL.default)
      store.addAddrs(c, [A1()], AddressTTL.default)
      const events: PeerstoreEvent[] = []
      store.subscribe((ev) => events.push(ev))
      store.addAddrs(b, [A2()], AddressTTL.default) // b is now written after c
      store.addAddrs(d, [A1()], AddressTTL.default)
      expect(store.size).toBe(3)
      expect(store.has(a)).toBe(true) // tagged: protected
      expect(store.has(c)).toBe(false)
      expect(events).toContainEqual({ type: 'peer:removed', peerId: c, cause: 'evicted' })
      // Fill with protected peers: the store refuses a new one rather than drop them.
      store.recordConnect(b)
      store.addAddrs(d, [A1()], AddressTTL.permanent)
      expect(() => store.addAddrs(e, [A1()], AddressTTL.default)).toThrow(
        expect.objectContaining({ code: 'PEERSTORE_FULL' }),
      )
      expect(store.has(e)).toBe(false)
      expect(store.size).toBe(3)
    })

    it('records dial outcomes per address and ignores unknown addresses', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1(), A2()], AddressTTL.default)
      t += 10
      store.recordDial(p, A1(), { ok: false, code: 'ECONNREFUSED' })
      t += 10
      store.recordDial(p, A1(), { ok: false })
      store.recordDial(p, A2(), { ok: true })
      store.recordDial(p, A3(), { ok: true })
      store.recordDial(fakePeerId(), A1(), { ok: true })
      expect(store.size).toBe(1)
      const [a1, a2] = store.addrs(p)
      expect(a1?.stats).toEqual({
        successes: 0,
        failures: 2,
        consecutiveFailures: 2,
        lastSuccessAt: undefined,
        lastFailureAt: START + 20,
        lastErrorCode: undefined,
      })
      expect(a2?.stats).toMatchObject({ successes: 1, failures: 0, lastSuccessAt: START + 20 })
      store.recordDial(p, A1(), { ok: true })
      expect(store.addrs(p)[0]?.stats).toMatchObject({ successes: 1, failures: 2, consecutiveFailures: 0 })
    })

    it('copies public keys and metadata in and out', async () => {
      const store = await create()
      const p = fakePeerId()
      const key = new Uint8Array([8, 1, 18, 32, 1, 2, 3])
      store.setPublicKey(p, key)
      key[0] = 0
      expect(store.publicKey(p)).toEqual(new Uint8Array([8, 1, 18, 32, 1, 2, 3]))
      const v = new Uint8Array([1, 2, 3])
      store.setMetadata(p, 'AgentVersion', v)
      v[0] = 9
      const out = store.metadata(p, 'AgentVersion')
      expect(out).toEqual(new Uint8Array([1, 2, 3]))
      if (out !== undefined) out[1] = 9
      expect(store.metadata(p, 'AgentVersion')).toEqual(new Uint8Array([1, 2, 3]))
      store.setMetadata(p, 'AgentVersion', undefined)
      expect(store.metadata(p, 'AgentVersion')).toBeUndefined()
    })

    it('limits metadata and tags per peer with a typed error', async () => {
      const store = await create({ maxMetadataPerPeer: 2, maxTagsPerPeer: 1 })
      const p = fakePeerId()
      store.setMetadata(p, 'a', new Uint8Array(1))
      store.setMetadata(p, 'b', new Uint8Array(1))
      store.setMetadata(p, 'b', new Uint8Array(2)) // replacing is fine
      expect(() => store.setMetadata(p, 'c', new Uint8Array(1))).toThrow(
        expect.objectContaining({ code: 'PEERSTORE_LIMIT_EXCEEDED' }),
      )
      store.tag(p, 'x')
      try {
        store.tag(p, 'y')
        expect.unreachable()
      } catch (err) {
        expect(SwitchyardError.is(err, 'PEERSTORE_LIMIT_EXCEEDED')).toBe(true)
      }
    })

    it('keeps protocols in order, deduplicated and capped', async () => {
      const store = await create({ maxProtocolsPerPeer: 3 })
      const p = fakePeerId()
      store.setProtocols(p, ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/ipfs/id/1.0.0'])
      expect(store.protocols(p)).toEqual(['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'])
      store.addProtocols(p, ['/echo/1.0.0', '/x/1', '/y/1'])
      expect(store.protocols(p)).toEqual(['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/echo/1.0.0'])
      expect(store.supportsProtocols(p, ['/x/1', '/echo/1.0.0', '/ipfs/id/1.0.0'])).toEqual([
        '/echo/1.0.0',
        '/ipfs/id/1.0.0',
      ])
      store.removeProtocols(p, ['/ipfs/ping/1.0.0'])
      expect(store.protocols(p)).toEqual(['/ipfs/id/1.0.0', '/echo/1.0.0'])
      store.setProtocols(p, ['/a', '/b', '/c', '/d'])
      expect(store.protocols(p)).toEqual(['/a', '/b', '/c'])
      store.setProtocols(p, ['x'.repeat(100_000)])
      expect(store.protocols(p)).toEqual([])
    })

    it('tags carry a value and an optional TTL', async () => {
      const store = await create()
      const p = fakePeerId()
      store.tag(p, 'bootstrap', { value: 100 })
      store.tag(p, 'keep-alive', { value: 10, ttlMs: 1000 })
      expect(store.tags(p).get('bootstrap')).toEqual({ value: 100, expiresAt: Number.POSITIVE_INFINITY })
      expect(store.tags(p).get('keep-alive')).toEqual({ value: 10, expiresAt: START + 1000 })
      t += 1000
      expect([...store.tags(p).keys()]).toEqual(['bootstrap'])
      store.untag(p, 'bootstrap')
      expect(store.tags(p).size).toBe(0)
      expect(() => store.tag(p, 'bad', { value: 101 })).toThrow(RangeError)
      expect(() => store.tag(p, 'bad', { value: 1.5 })).toThrow(RangeError)
      expect(() => store.tag(p, 'bad', { ttlMs: 0 })).toThrow(RangeError)
    })

    it('keeps a latency EWMA (alpha 0.1) and the connection history', async () => {
      const store = await create()
      const p = fakePeerId()
      store.recordLatency(p, 100)
      expect(store.latency(p)).toBe(100)
      store.recordLatency(p, 200)
      expect(store.latency(p)).toBeCloseTo(110, 10)
      expect(() => store.recordLatency(p, Number.NaN)).toThrow(RangeError)
      store.recordConnect(p)
      t += 500
      store.recordDisconnect(p, 'protocol-violation')
      expect(store.get(p)).toMatchObject({
        lastConnectedAt: START,
        lastDisconnectedAt: START + 500,
        lastDisconnectReason: 'protocol-violation',
      })
      expect(() => store.recordDisconnect(p, 'bogus' as 'normal')).toThrow(TypeError)
    })

    it('returns snapshots from get()', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1()], AddressTTL.default)
      store.setProtocols(p, ['/a'])
      const snap = store.get(p)
      store.addAddrs(p, [A2()], AddressTTL.default)
      store.setProtocols(p, ['/b'])
      store.recordDial(p, A1(), { ok: true })
      expect(snap?.addresses).toHaveLength(1)
      expect(snap?.addresses[0]?.stats.successes).toBe(0)
      expect(snap?.protocols).toEqual(['/a'])
      expect(snap?.id.toString()).toBe(p.toString())
    })

    it('emits added, updated and removed events; unsubscribe works; a throwing listener is isolated', async () => {
      const store = await create()
      const p = fakePeerId()
      const events: PeerstoreEvent[] = []
      const unsubscribeBad = store.subscribe(() => {
        throw new Error('listener bug')
      })
      const unsubscribe = store.subscribe((e) => events.push(e))
      store.addAddrs(p, [A1()], AddressTTL.default)
      store.addAddrs(p, [A1()], AddressTTL.temporary) // no change: no event
      store.setProtocols(p, ['/a'])
      store.setProtocols(p, ['/a']) // no change: no event
      store.delete(p)
      expect(events).toEqual([
        { type: 'peer:added', peerId: p },
        { type: 'peer:updated', peerId: p, field: 'addresses' },
        { type: 'peer:updated', peerId: p, field: 'protocols' },
        { type: 'peer:removed', peerId: p, cause: 'deleted' },
      ])
      unsubscribe()
      unsubscribeBad()
      store.addAddrs(p, [A1()], AddressTTL.default)
      expect(events).toHaveLength(4)
    })

    it('deletes a peer and everything about it', async () => {
      const store = await create()
      const p = fakePeerId()
      const q = fakePeerId()
      store.addAddrs(p, [A1()], AddressTTL.default)
      store.setMetadata(p, 'k', new Uint8Array([1]))
      store.addAddrs(q, [A1()], AddressTTL.default)
      expect(store.delete(p)).toBe(true)
      expect(store.get(p)).toBeUndefined()
      expect(store.metadata(p, 'k')).toBeUndefined()
      expect(store.size).toBe(1)
      expect(store.addrs(q)).toHaveLength(1)
    })

    it('rejects bad arguments with TypeError / RangeError and leaves the store unchanged', async () => {
      const store = await create()
      const p = fakePeerId()
      expect(() => store.addAddrs(null as unknown as PeerId, [A1()], 1000)).toThrow(TypeError)
      expect(() => store.addAddrs(p, ['/ip4/1.2.3.4/tcp/1' as unknown as Multiaddr], 1000)).toThrow(TypeError)
      expect(() => store.addAddrs(p, [A1()], Number.NaN)).toThrow(TypeError)
      expect(() => store.setProtocols(p, [1 as unknown as string])).toThrow(TypeError)
      expect(() => store.setPublicKey(p, 'key' as unknown as Uint8Array)).toThrow(TypeError)
      expect(() => store.setMetadata(p, '', new Uint8Array(1))).toThrow(TypeError)
      expect(() => store.subscribe(null as unknown as () => void)).toThrow(TypeError)
      expect(store.size).toBe(0)
    })

    it('refuses writes after close, and close is idempotent', async () => {
      const store = await create()
      const p = fakePeerId()
      store.addAddrs(p, [A1()], AddressTTL.default)
      await store.flush()
      await store.close()
      await store.close()
      expect(() => store.addAddrs(p, [A2()], AddressTTL.default)).toThrow(
        expect.objectContaining({ code: 'PEERSTORE_CLOSED' }),
      )
    })

    it('flush and close honour an aborted signal', async () => {
      const store = await create()
      const reason = new Error('stop')
      await expect(store.flush({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    })

    it('matches a simple model under random operation sequences (property)', async () => {
      const peers = Array.from({ length: 4 }, (_, i) => fakePeerId(i + 1))
      const addrs = Array.from({ length: 4 }, (_, i) => `/ip4/10.1.0.${i}/tcp/1`)
      const op = fc.oneof(
        fc.record({
          k: fc.constant('add' as const),
          p: fc.nat(3),
          a: fc.nat(3),
          ttl: fc.constantFrom(1000, 5000, AddressTTL.permanent),
        }),
        fc.record({
          k: fc.constant('set' as const),
          p: fc.nat(3),
          a: fc.nat(3),
          ttl: fc.constantFrom(0, 1000, 7000),
        }),
        fc.record({ k: fc.constant('tick' as const), ms: fc.nat(3000) }),
        fc.record({ k: fc.constant('gc' as const) }),
        fc.record({ k: fc.constant('del' as const), p: fc.nat(3) }),
      )
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
          const store = await create()
          // model: peer -> addr -> expiresAt
          const model = new Map<number, Map<string, number>>()
          const exp = (ttl: number) => (ttl >= AddressTTL.connected ? Number.POSITIVE_INFINITY : t + ttl)
          for (const o of ops) {
            if (o.k === 'tick') t += o.ms
            else if (o.k === 'gc') {
              store.gc()
              for (const [p, m] of model) {
                for (const [a, e] of m) if (e <= t) m.delete(a)
                if (m.size === 0) model.delete(p)
              }
            } else if (o.k === 'del') {
              store.delete(peers[o.p] as PeerId)
              model.delete(o.p)
            } else {
              const p = peers[o.p] as PeerId
              const a = addrs[o.a] as string
              if (o.k === 'add') store.addAddrs(p, [ma(a)], o.ttl)
              else store.setAddrs(p, [ma(a)], o.ttl)
              const m = model.get(o.p) ?? new Map<string, number>()
              if (o.k === 'add') m.set(a, Math.max(m.get(a) ?? Number.NEGATIVE_INFINITY, exp(o.ttl)))
              else if (o.ttl <= 0) m.delete(a)
              else m.set(a, exp(o.ttl))
              if (m.size > 0 || model.has(o.p)) model.set(o.p, m)
            }
            for (let i = 0; i < peers.length; i++) {
              const want = [...(model.get(i) ?? new Map<string, number>())]
                .filter(([, e]) => e > t)
                .map(([a]) => a)
                .sort()
              expect(addrStrings(store, peers[i] as PeerId).sort()).toEqual(want)
            }
          }
          await store.close()
        }),
        { numRuns: 60 },
      )
    })

    if (init.reopen !== undefined) {
      const reopen = init.reopen
      describe('after a restart', () => {
        async function restart(store: Peerstore): Promise<Peerstore> {
          const next = await reopen(store, { now: clock.now, gcIntervalMs: 0 })
          open.push(next)
          return next
        }

        it('returns what was stored, minus what expired', async () => {
          const store = await create()
          const p = fakePeerId()
          const q = fakePeerId()
          const gone = fakePeerId()
          store.addAddrs(p, [A1()], AddressTTL.default)
          store.addAddrs(p, [A2()], AddressTTL.temporary)
          store.addAddrs(p, [A3()], AddressTTL.permanent)
          store.recordDial(p, A1(), { ok: false, code: 'ETIMEDOUT' })
          store.recordDial(p, A3(), { ok: true })
          store.setPublicKey(p, new Uint8Array([8, 1, 18, 32, 7]))
          store.setProtocols(p, ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'])
          store.setMetadata(p, 'AgentVersion', new TextEncoder().encode('switchyard/1'))
          store.tag(p, 'bootstrap', { value: 100 })
          store.tag(p, 'short', { value: 1, ttlMs: 1000 })
          store.recordLatency(p, 42)
          store.recordConnect(p)
          t += 1
          store.recordDisconnect(p, 'timeout')
          store.addAddrs(q, [A1()], AddressTTL.default)
          store.addAddrs(gone, [A1()], AddressTTL.temporary)
          t += AddressTTL.temporary // A2 of p, the short tag and all of `gone` expire
          const again = await restart(store)
          expect(again.size).toBe(2)
          expect(again.has(gone)).toBe(false)
          const rec = again.get(p)
          expect(rec?.id.toString()).toBe(p.toString())
          expect(rec?.id.equals(p)).toBe(true)
          expect(rec?.id.bytes).toEqual(p.bytes)
          expect(rec?.addresses.map((a) => a.multiaddr.toString()).sort()).toEqual(
            ['/ip4/10.0.0.1/tcp/4001', '/ip6/::1/udp/4001/quic-v1'].sort(),
          )
          const a1 = rec?.addresses.find((a) => a.multiaddr.toString() === '/ip4/10.0.0.1/tcp/4001')
          expect(a1).toMatchObject({ ttlMs: AddressTTL.default, expiresAt: START + AddressTTL.default })
          expect(a1?.stats).toMatchObject({ failures: 1, consecutiveFailures: 1, lastErrorCode: 'ETIMEDOUT' })
          expect(rec?.publicKey).toEqual(new Uint8Array([8, 1, 18, 32, 7]))
          expect(rec?.protocols).toEqual(['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'])
          expect(new TextDecoder().decode(rec?.metadata.get('AgentVersion'))).toBe('switchyard/1')
          expect([...(rec?.tags.keys() ?? [])]).toEqual(['bootstrap'])
          expect(rec?.latencyMs).toBe(42)
          expect(rec).toMatchObject({
            lastConnectedAt: START,
            lastDisconnectedAt: START + 1,
            lastDisconnectReason: 'timeout',
          })
          expect(again.peers().map(String).sort()).toEqual([p.toString(), q.toString()].sort())
        })

        it('demotes connected addresses to recently-connected (no connection survives a restart)', async () => {
          const store = await create()
          const p = fakePeerId()
          store.recordConnect(p)
          store.addAddrs(p, [A1()], AddressTTL.connected)
          t += 1000
          const again = await restart(store)
          expect(again.addrs(p)[0]).toMatchObject({
            ttlMs: AddressTTL.recentlyConnected,
            expiresAt: t + AddressTTL.recentlyConnected,
          })
        })

        it('persists deletions, removals and later updates', async () => {
          const store = await create()
          const p = fakePeerId()
          const q = fakePeerId()
          store.addAddrs(p, [A1(), A2()], AddressTTL.default)
          store.setMetadata(p, 'a', new Uint8Array([1]))
          store.addAddrs(q, [A1()], AddressTTL.default)
          const second = await restart(store)
          second.delete(q)
          second.setAddrs(p, [A2()], 0)
          second.setMetadata(p, 'a', undefined)
          second.setProtocols(p, ['/x'])
          const third = await restart(second)
          expect(third.has(q)).toBe(false)
          expect(third.addrs(p).map((a) => a.multiaddr.toString())).toEqual(['/ip4/10.0.0.1/tcp/4001'])
          expect(third.metadata(p, 'a')).toBeUndefined()
          expect(third.protocols(p)).toEqual(['/x'])
        })
      })
    }
  })
}
