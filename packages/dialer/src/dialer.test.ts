import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { deny, SwitchyardError } from '@switchyard/interface'
import { fakePeerId } from '@switchyard/testkit'
import { describe, expect, it } from 'vitest'
import { type FakeConn, FakeTransport, type Script } from '../test/fake-transport.js'
import { createDialer, type DialerInit } from './dialer.js'
import { DialBackoffError, type DialError } from './errors.js'
import { ManualClock } from './manual-clock.js'

const A = '/ip4/1.0.0.1/tcp/1'
const B = '/ip4/1.0.0.2/tcp/1'
const V6 = '/ip6/2001:db8::1/tcp/1'
const peer = fakePeerId(1)

function setup(scripts: Record<string, Script>, init: Partial<DialerInit<FakeConn>> = {}) {
  const clock = new ManualClock()
  const fake = new FakeTransport(clock, scripts)
  const peers = new Map<string, Multiaddr[]>()
  const records: [string, boolean, string | undefined][] = []
  const dialer = createDialer<FakeConn>({
    dialAddress: fake.dialAddress,
    closeConnection: fake.close,
    addressesOf: (p) => (peers.get(p.toString()) ?? []).map((multiaddr) => ({ multiaddr })),
    recordDial: (_p, addr, o) => records.push([addr.toString(), o.ok, o.ok ? undefined : o.code]),
    clock,
    ...init,
  })
  return { clock, fake, dialer, peers, records }
}

const ma = (...a: string[]) => a.map((s) => multiaddr(s))

describe('Dialer', () => {
  it('dials the peer store addresses plus explicit ones, ranked, and records the outcomes', async () => {
    const { clock, fake, dialer, peers, records } = setup({
      [V6]: { kind: 'fail', afterMs: 5 },
      [A]: { kind: 'ok', afterMs: 5 },
    })
    peers.set(peer.toString(), ma(A))
    const p = dialer.dial({ peer, addrs: ma(V6) })
    await clock.advanceAsync(1000)
    const conn = await p
    expect(conn.addr).toBe(A)
    expect(fake.started.map((s) => s.addr)).toEqual([V6, A])
    expect(records).toEqual([
      [V6, false, 'TRANSPORT_CONNECTION_REFUSED'],
      [A, true, undefined],
    ])
  })

  it('deduplicates many concurrent callers into one dial with one connection', async () => {
    const { clock, fake, dialer } = setup({ [A]: { kind: 'ok', afterMs: 50 } })
    const callers = Array.from({ length: 100 }, () => dialer.dial({ peer, addrs: ma(A) }))
    expect(dialer.activeDials).toBe(1)
    await clock.advanceAsync(100)
    const conns = await Promise.all(callers)
    expect(new Set(conns).size).toBe(1)
    expect(fake.started).toHaveLength(1)
    expect(dialer.activeDials).toBe(0)
  })

  it('all deduplicated callers get the same error', async () => {
    const { clock, dialer } = setup({ [A]: { kind: 'fail', afterMs: 50 } })
    const callers = Array.from({ length: 10 }, () =>
      dialer.dial({ peer, addrs: ma(A) }).catch((e: unknown) => e),
    )
    await clock.advanceAsync(100)
    const errors = await Promise.all(callers)
    expect(new Set(errors).size).toBe(1)
    expect((errors[0] as DialError).code).toBe('DIAL_FAILED')
  })

  it('returns an existing connection without dialing', async () => {
    const existing = { addr: 'x', id: 0, closed: false } as FakeConn
    const { fake, dialer } = setup({}, { existingConnection: (p) => (p.equals(peer) ? existing : undefined) })
    expect(await dialer.dial({ peer, addrs: ma(A) })).toBe(existing)
    expect(fake.started).toEqual([])
  })

  it('dials an explicit address with /p2p and the same stored address once, recording under the stored one', async () => {
    const { clock, fake, dialer, peers, records } = setup({ [A]: { kind: 'ok', afterMs: 50 } })
    peers.set(peer.toString(), ma(A))
    const p = dialer.dial({ peer, addrs: ma(`${A}/p2p/${peer.toString()}`) })
    await clock.advanceAsync(1000)
    expect((await p).addr).toBe(A)
    expect(fake.started.map((s) => s.addr)).toEqual([A])
    expect(records).toEqual([[A, true, undefined]])
  })

  it('newConnection dials despite an existing connection and joins no dial in progress', async () => {
    const existing = { addr: 'x', id: 0, closed: false } as FakeConn
    const { clock, fake, dialer } = setup(
      { [A]: { kind: 'ok', afterMs: 50 } },
      { existingConnection: (p) => (p.equals(peer) ? existing : undefined) },
    )
    const callers = [
      dialer.dial({ peer, addrs: ma(A) }, { newConnection: true }),
      dialer.dial({ peer, addrs: ma(A) }, { newConnection: true }),
    ]
    expect(dialer.activeDials).toBe(2)
    await clock.advanceAsync(100)
    const conns = await Promise.all(callers)
    expect(conns).not.toContain(existing)
    expect(new Set(conns).size).toBe(2)
    expect(fake.started).toHaveLength(2)
    // Without it, the existing connection is returned.
    expect(await dialer.dial({ peer, addrs: ma(A) })).toBe(existing)
  })

  it('backs off a failed peer (5 s, then 10 s), fails at once with `until`, resets on success and clears', async () => {
    const scripts: Record<string, Script> = { [A]: { kind: 'fail', afterMs: 0 } }
    const { clock, fake, dialer } = setup(scripts)
    const fail = async () => {
      const p = dialer.dial({ peer, addrs: ma(A) }).catch((e: unknown) => e)
      await clock.advanceAsync(0)
      return p
    }
    expect(((await fail()) as DialError).code).toBe('DIAL_FAILED')
    const t = clock.now()
    const err = (await dialer.dial({ peer, addrs: ma(A) }).catch((e: unknown) => e)) as DialBackoffError
    expect(err).toBeInstanceOf(DialBackoffError)
    expect(err.code).toBe('DIAL_BACKOFF')
    expect(err.until).toBe(t + 5_000)
    expect(dialer.backoffUntil(peer)).toBe(t + 5_000)
    expect(fake.started).toHaveLength(1)

    await clock.advanceAsync(5_000)
    // The address itself is backed off too (10 s now); force bypasses both.
    await fail()
    expect(dialer.backoffUntil(peer)).toBe(clock.now() + 10_000)
    const forced = dialer.dial({ peer, addrs: ma(A) }, { force: true }).catch((e: unknown) => e)
    await clock.advanceAsync(0)
    expect(((await forced) as DialError).code).toBe('DIAL_FAILED')

    dialer.clearBackoff(peer)
    expect(dialer.backoffUntil(peer)).toBeUndefined()
    scripts[A] = { kind: 'ok', afterMs: 0 }
    const ok = dialer.dial({ peer, addrs: ma(A) })
    await clock.advanceAsync(0)
    await ok
    expect(dialer.backoffUntil(peer)).toBeUndefined()
  })

  it('skips an address in backoff and dials the others', async () => {
    const { clock, fake, dialer } = setup({
      [A]: { kind: 'fail', afterMs: 0 },
      [B]: { kind: 'ok', afterMs: 0 },
    })
    const p1 = dialer.dial({ peer, addrs: ma(A, B) })
    await clock.advanceAsync(500)
    expect((await p1).addr).toBe(B)
    const p2 = dialer.dial({ peer, addrs: ma(A, B) })
    await clock.advanceAsync(500)
    expect((await p2).addr).toBe(B)
    expect(fake.started.map((s) => s.addr)).toEqual([A, B, B])
  })

  it('filters unspecified, own, undialable, foreign-peer and gated addresses', async () => {
    const other = fakePeerId(2)
    const { clock, fake, dialer } = setup(
      { [A]: { kind: 'ok', afterMs: 0 } },
      {
        listenAddresses: () => ma('/ip4/1.0.0.9/tcp/1'),
        canDial: (a) => !a.toString().includes('/udp/'),
        gater: {
          interceptAddrDial: (_p, a) => (a.toString().includes('1.0.0.8') ? deny('banned') : { allow: true }),
        },
      },
    )
    const candidates = [
      '/ip4/0.0.0.0/tcp/1',
      '/ip6/::/tcp/1',
      '/ip4/1.0.0.9/tcp/1',
      '/ip4/1.0.0.7/udp/1/quic-v1',
      `/ip4/1.0.0.6/tcp/1/p2p/${other.toString()}`,
      '/ip4/1.0.0.8/tcp/1',
    ]
    const err = (await dialer.dial({ peer, addrs: ma(...candidates) }).catch((e: unknown) => e)) as DialError
    expect(err.code).toBe('DIAL_NO_ADDRESSES')
    expect(err.errors).toHaveLength(6)
    expect(SwitchyardError.is(err.errors[5]?.cause, 'CONNECTION_GATED')).toBe(true)
    const p = dialer.dial({ peer, addrs: ma(...candidates, A) })
    await clock.advanceAsync(0)
    expect((await p).addr).toBe(A)
    expect(fake.started.map((s) => s.addr)).toEqual([A])
  })

  it('applies the gater peer hook and refuses to dial ourselves', async () => {
    const gated = setup({}, { gater: { interceptPeerDial: () => deny('no') } })
    await expect(gated.dialer.dial({ peer, addrs: ma(A) })).rejects.toMatchObject({
      code: 'CONNECTION_GATED',
    })
    const self = setup({}, { localPeer: peer })
    await expect(self.dialer.dial({ peer, addrs: ma(A) })).rejects.toMatchObject({ code: 'DIAL_SELF' })
    await expect(self.dialer.dial({ peer: fakePeerId(3) })).rejects.toMatchObject({
      code: 'DIAL_NO_ADDRESSES',
    })
  })

  it('times out the whole dial with the causes so far, and backs off', async () => {
    const { clock, fake, dialer } = setup(
      { [A]: { kind: 'fail', afterMs: 0 }, [B]: { kind: 'hang' } },
      { dialTimeoutMs: 1000, addressTimeoutMs: 5000 },
    )
    const p = dialer.dial({ peer, addrs: ma(A, B) }).catch((e: unknown) => e)
    await clock.advanceAsync(1000)
    const err = (await p) as DialError
    expect(err.code).toBe('DIAL_TIMEOUT')
    expect(err.errors.map((e) => e.addr.toString())).toEqual([A])
    expect(fake.aborted).toEqual([B])
    expect(dialer.backoffUntil(peer)).toBeDefined()
    expect(clock.pendingTimers).toBe(0)
  })

  it("a caller's abort rejects with its reason; the dial stops when every caller left, without backoff", async () => {
    const { clock, fake, dialer } = setup({ [A]: { kind: 'ok-ignoring-abort', afterMs: 100 } })
    const a = new AbortController()
    const b = new AbortController()
    const pa = dialer.dial({ peer, addrs: ma(A) }, { signal: a.signal })
    const pb = dialer.dial({ peer, addrs: ma(A) }, { signal: b.signal })
    await clock.advanceAsync(10)
    a.abort(new Error('a'))
    await expect(pa).rejects.toThrow('a')
    expect(fake.aborted).toEqual([])
    b.abort(new Error('b'))
    await expect(pb).rejects.toThrow('b')
    expect(fake.aborted).toEqual([A])
    await clock.advanceAsync(200)
    // The attempt that ignored the abort connected anyway: its connection was closed.
    expect(fake.conns).toHaveLength(1)
    expect(fake.open).toEqual([])
    expect(dialer.backoffUntil(peer)).toBeUndefined()
    await expect(dialer.dial({ peer }, { signal: AbortSignal.abort(new Error('pre')) })).rejects.toThrow(
      'pre',
    )
  })

  it('close() cancels dials in progress and refuses new ones', async () => {
    const { clock, fake, dialer } = setup({ [A]: { kind: 'hang' } })
    const p = dialer.dial({ peer, addrs: ma(A) })
    await clock.advanceAsync(0)
    dialer.close()
    await expect(p).rejects.toMatchObject({ code: 'DIAL_CLOSED' })
    expect(fake.aborted).toEqual([A])
    await expect(dialer.dial({ peer, addrs: ma(A) })).rejects.toMatchObject({ code: 'DIAL_CLOSED' })
  })

  it('dials bare addresses without a peer, deduplicated by address set', async () => {
    const { clock, fake, dialer } = setup({ [A]: { kind: 'ok', afterMs: 10 } })
    const p1 = dialer.dial({ addrs: ma(A) })
    const p2 = dialer.dial({ addrs: ma(A) })
    await clock.advanceAsync(10)
    expect(await p1).toBe(await p2)
    expect(fake.started).toHaveLength(1)
  })

  it('skips a black-holed class except for probes, and can be turned off', async () => {
    const scripts: Record<string, Script> = {
      [V6]: { kind: 'fail', afterMs: 0 },
      [A]: { kind: 'ok', afterMs: 0 },
    }
    const { clock, fake, dialer } = setup(scripts, {
      blackHole: { windowSize: 3, minSuccesses: 1, probeInterval: 2 },
      backoff: { baseMs: 0 },
    })
    for (let i = 0; i < 3; i++) {
      const p = dialer.dial({ peer: fakePeerId(10 + i), addrs: ma(V6, A) })
      await clock.advanceAsync(1000)
      await p
    }
    expect(dialer.blackHoleState('ipv6')).toBe('blocked')
    fake.started.length = 0
    const p = dialer.dial({ peer: fakePeerId(20), addrs: ma(V6, A) })
    await clock.advanceAsync(1000)
    await p
    expect(fake.started.map((s) => s.addr)).toEqual([A])
    const probe = dialer.dial({ peer: fakePeerId(21), addrs: ma(V6) }).catch((e: unknown) => e)
    await clock.advanceAsync(1000)
    const only = await probe
    // The second request is a probe: it goes through.
    expect((only as DialError).code).toBe('DIAL_FAILED')
    const blocked = await dialer.dial({ peer: fakePeerId(22), addrs: ma(V6) }).catch((e: unknown) => e)
    expect((blocked as DialError).code).toBe('DIAL_BLACK_HOLED')
    const off = setup(scripts, { blackHole: false })
    expect(off.dialer.blackHoleState('ipv6')).toBeUndefined()
  })

  it('validates its init', () => {
    const base = { dialAddress: async () => ({}), closeConnection: () => {} }
    expect(() => createDialer({} as never)).toThrow(TypeError)
    expect(() => createDialer({ ...base, maxParallelDials: 0 })).toThrow(RangeError)
    expect(() => createDialer({ ...base, dialTimeoutMs: -5 })).toThrow(RangeError)
    expect(() => createDialer({ ...base, rank: { publicTcpDelayMs: -1 } })).toThrow(RangeError)
  })
})
