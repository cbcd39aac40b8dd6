import { readAll, SwitchyardError, writeAll } from '@switchyard/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SwitchEvent } from '../src/index.js'
import { echo, hold, isIdle, type Kind, TestNet } from './helpers.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Ends our side and reads the remote's until EOF, so the stream closes. */
async function finish(ps: { stream: import('@switchyard/interface').ByteStream }): Promise<void> {
  const r = readAll(ps.stream)
  ps.stream.end()
  await r
}

describe.each<Kind>(['memory', 'tcp'])('switch over %s', (kind) => {
  let net: TestNet
  afterEach(async () => {
    await net.closeAll()
  })

  it('listens, dials, opens an echo stream, reuses the connection, and closes releasing everything', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/echo/1.0.0', echo)
    const events: string[] = []
    for (const s of [a, b]) {
      s.sw.on('connected', (e) => events.push(`${s === a ? 'a' : 'b'}:connected:${e.conn.direction}`))
    }
    const conn = await a.sw.dial(b.addr)
    expect(conn.remotePeer.equals(b.peerId)).toBe(true)
    const ps = await a.sw.openStream(b.peerId, '/echo/1.0.0')
    const reply = readAll(ps.stream)
    await writeAll(ps.stream, [enc.encode('hello switch')])
    ps.stream.end()
    expect(dec.decode(await reply)).toBe('hello switch')
    // Reuse: the second stream rides the same connection.
    const ps2 = await a.sw.openStream(b.peerId, '/echo/1.0.0')
    ps2.stream.end()
    await readAll(ps2.stream)
    expect(a.sw.connections(b.peerId)).toEqual([conn])
    await vi.waitFor(() => expect(b.sw.connections(a.peerId)).toHaveLength(1))
    expect(events).toContain('a:connected:outbound')
    expect(events).toContain('b:connected:inbound')
    await a.sw.close()
    await b.sw.close()
    expect(a.sw.connections()).toEqual([])
    expect(isIdle(a.rm)).toBe(true)
    await vi.waitFor(() => expect(isIdle(b.rm)).toBe(true))
    expect(net.errors).toEqual([])
  })

  it('deduplicates concurrent dials of one peer', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    const conns = await Promise.all([a.sw.dial(b.addr), a.sw.dial(b.addr), a.sw.dial(b.addr)])
    expect(new Set(conns).size).toBe(1)
    expect(a.sw.connections()).toHaveLength(1)
  })

  it('force: true opens a new connection each time, and both sides keep them all', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/echo/1.0.0', echo)
    const first = await a.sw.dial(b.addr)
    const forced = [await a.sw.dial(b.addr, { force: true })]
    forced.push(
      ...(await Promise.all([a.sw.dial(b.addr, { force: true }), a.sw.dial(b.addr, { force: true })])),
    )
    const all = [first, ...forced]
    expect(new Set(all).size).toBe(4)
    expect(all.every((c) => c.state === 'open')).toBe(true)
    // Without force the oldest connection is reused.
    expect(await a.sw.dial(b.addr)).toBe(first)
    await vi.waitFor(() => expect(b.sw.connections(a.peerId)).toHaveLength(4))
    expect(a.sw.connections(b.peerId)).toHaveLength(4)
    // Each is usable.
    for (const c of all) {
      const { stream } = await c.newStream('/echo/1.0.0')
      const reply = readAll(stream)
      await writeAll(stream, [enc.encode('x')])
      stream.end()
      expect(dec.decode(await reply)).toBe('x')
    }
    expect(net.errors).toEqual([])
  })

  it('emits events in order: connected, stream:opened, stream:closed, disconnected', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/echo/1.0.0', echo)
    const seen: Record<'a' | 'b', string[]> = { a: [], b: [] }
    for (const [name, s] of [
      ['a', a],
      ['b', b],
    ] as const) {
      for (const type of ['connected', 'stream:opened', 'stream:closed', 'disconnected'] as const) {
        s.sw.on(type, (e: SwitchEvent) => {
          seen[name].push(
            e.type === 'stream:opened' || e.type === 'stream:closed'
              ? `${e.type}:${e.stream.protocol}:${e.stream.direction}`
              : e.type,
          )
        })
      }
    }
    const ps = await a.sw.openStream(b.addr, '/echo/1.0.0')
    const done = readAll(ps.stream)
    ps.stream.end()
    await done
    await vi.waitFor(() => expect(seen.b).toContain('stream:closed:/echo/1.0.0:inbound'))
    await a.sw.hangUp(b.peerId)
    await vi.waitFor(() => expect(seen.b).toContain('disconnected'))
    expect(seen.a).toEqual([
      'connected',
      'stream:opened:/echo/1.0.0:outbound',
      'stream:closed:/echo/1.0.0:outbound',
      'disconnected',
    ])
    expect(seen.b).toEqual([
      'connected',
      'stream:opened:/echo/1.0.0:inbound',
      'stream:closed:/echo/1.0.0:inbound',
      'disconnected',
    ])
  })

  it('three switches: each pair connects once, listen events carry bound addresses', async () => {
    net = new TestNet(kind)
    const listens: string[] = []
    const nodes = []
    for (let i = 0; i < 3; i++) {
      const n = net.make()
      n.sw.on('listen', (e) => listens.push(e.addr.toString()))
      const [addr] = await n.sw.listen(net.listenAddr())
      n.sw.handle('/echo/1.0.0', echo)
      nodes.push({ ...n, addr: addr!.encapsulate(`/p2p/${n.peerId.toString()}`) })
    }
    expect(listens).toHaveLength(3)
    if (kind === 'tcp') expect(listens.every((l) => !l.endsWith('/tcp/0'))).toBe(true)
    const [x, y, z] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]]
    await Promise.all([x.sw.dial(y.addr), x.sw.dial(z.addr), y.sw.dial(z.addr)])
    for (const [from, to] of [
      [x, y],
      [x, z],
      [y, z],
      [z, x],
    ] as const) {
      const ps = await from.sw.openStream(to.peerId, '/echo/1.0.0')
      const r = readAll(ps.stream)
      await writeAll(ps.stream, [enc.encode('x')])
      ps.stream.end()
      expect(dec.decode(await r)).toBe('x')
    }
    for (const n of nodes) expect(n.sw.connections()).toHaveLength(2)
  })

  it('rejects a protocol the remote does not support with SWITCH_PROTOCOL_NOT_SUPPORTED', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    const err = await a.sw.openStream(b.addr, ['/nope/1.0.0', '/nada/2.0.0']).catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'SWITCH_PROTOCOL_NOT_SUPPORTED')).toBe(true)
    // The connection survives a refused stream.
    expect(a.sw.connections(b.peerId)).toHaveLength(1)
  })

  it('matches semantic versions of the same major only when asked', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/kad/1.0.0', echo, { semver: true })
    b.sw.handle('/exact/1.0.0', echo)
    const ok = await a.sw.openStream(b.addr, '/kad/1.4.2')
    expect(ok.protocol).toBe('/kad/1.4.2')
    await finish(ok)
    await expect(a.sw.openStream(b.peerId, '/kad/2.0.0')).rejects.toMatchObject({
      code: 'SWITCH_PROTOCOL_NOT_SUPPORTED',
    })
    await expect(a.sw.openStream(b.peerId, '/exact/1.1.0')).rejects.toMatchObject({
      code: 'SWITCH_PROTOCOL_NOT_SUPPORTED',
    })
  })

  it('offers per-connection protocol sets that change at runtime (seed 000)', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    const c = net.make()
    let offerToA = true
    b.sw.handle('/echo/1.0.0', echo)
    b.sw.handle('/metered/1.0.0', echo, { offer: (info) => !info.remotePeer.equals(a.peerId) || offerToA })
    await a.sw.dial(b.addr)
    await c.sw.dial(b.addr)
    const fromA = () => b.sw.connections(a.peerId)[0]!
    await vi.waitFor(() => expect(b.sw.connections(a.peerId)).toHaveLength(1))
    // Revoke everything but echo on a's connection only.
    b.sw.setConnectionProtocols(fromA(), ['/echo/1.0.0'])
    expect(b.sw.connectionProtocols(fromA())).toEqual(['/echo/1.0.0'])
    await expect(a.sw.openStream(b.peerId, '/metered/1.0.0')).rejects.toMatchObject({
      code: 'SWITCH_PROTOCOL_NOT_SUPPORTED',
    })
    const s1 = await c.sw.openStream(b.peerId, '/metered/1.0.0')
    await finish(s1)
    b.sw.setConnectionProtocols(fromA(), undefined)
    const s2 = await a.sw.openStream(b.peerId, '/metered/1.0.0')
    await finish(s2)
    offerToA = false
    await expect(a.sw.openStream(b.peerId, '/metered/1.0.0')).rejects.toMatchObject({
      code: 'SWITCH_PROTOCOL_NOT_SUPPORTED',
    })
    const s3 = await c.sw.openStream(b.peerId, '/metered/1.0.0')
    await finish(s3)
  })

  it('resets inbound streams beyond a per-protocol limit', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/hold/1.0.0', hold, { maxInboundStreams: 1 })
    const first = await a.sw.openStream(b.addr, '/hold/1.0.0')
    const second = await a.sw.openStream(b.peerId, '/hold/1.0.0')
    await new Promise<void>((resolve) => second.stream.onceClosed(() => resolve()))
    expect(second.stream.error).toBeDefined()
    expect(first.stream.closed).toBe(false)
    first.stream.destroy()
  })

  it('refuses outbound streams beyond a per-protocol limit', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/hold/1.0.0', hold)
    a.sw.handle('/hold/1.0.0', hold, { maxOutboundStreams: 2 })
    const s1 = await a.sw.openStream(b.addr, '/hold/1.0.0')
    const s2 = await a.sw.openStream(b.peerId, '/hold/1.0.0')
    await expect(a.sw.openStream(b.peerId, '/hold/1.0.0')).rejects.toMatchObject({
      code: 'SWITCH_STREAM_LIMIT',
    })
    await finish(s1)
    const s3 = await a.sw.openStream(b.peerId, '/hold/1.0.0')
    await Promise.all([finish(s2), finish(s3)])
  })
})
