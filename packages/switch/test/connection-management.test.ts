import { RuleGater } from '@switchyard/gater'
import { readAll, SwitchyardError } from '@switchyard/interface'
import { comparePeerIds } from '@switchyard/peer-id'
import { createResourceManager } from '@switchyard/resource-scopes'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { echo, hold, isIdle, type Kind, TestNet } from './helpers.js'

const waitLong = { timeout: 5_000, interval: 10 }

describe.each<Kind>(['memory', 'tcp'])('connection management over %s', (kind) => {
  let net: TestNet
  afterEach(async () => {
    await net.closeAll()
  })

  it('converges on one connection when both peers dial each other at once (larger peer id keeps its outbound)', async () => {
    net = new TestNet(kind)
    const a = await net.listening()
    const b = await net.listening()
    const restructured: string[] = []
    for (const n of [a, b]) n.sw.on('disconnected', (e) => restructured.push(e.reason))
    await Promise.all([a.sw.dial(b.addr), b.sw.dial(a.addr)])
    const larger = comparePeerIds(a.peerId, b.peerId) > 0 ? a : b
    const smaller = larger === a ? b : a
    // Both dials may resolve before the other connection arrives: wait until both sides
    // hold exactly one connection and it is the same one.
    await vi.waitFor(() => {
      const [l] = larger.sw.connections(smaller.peerId)
      const [s] = smaller.sw.connections(larger.peerId)
      expect(larger.sw.connections()).toHaveLength(1)
      expect(smaller.sw.connections()).toHaveLength(1)
      expect(l!.localAddr.toString()).toBe(s!.remoteAddr.toString())
      expect(l!.remoteAddr.toString()).toBe(s!.localAddr.toString())
    }, waitLong)
    // The kept connection was initiated by the larger peer: outbound there, inbound on the other side.
    expect(larger.sw.connections()[0]!.direction).toBe('outbound')
    expect(smaller.sw.connections()[0]!.direction).toBe('inbound')
    expect(restructured.every((r) => r === 'network-restructure' || r === 'normal')).toBe(true)
  })

  it('applies bans of the gater on dial and on accept', async () => {
    net = new TestNet(kind)
    const gater = new RuleGater()
    const a = await net.listening({ gater })
    const b = await net.listening()
    const c = net.make()
    gater.banPeer(b.peerId, 60_000)
    const dialErr = await a.sw.dial(b.addr).catch((e: unknown) => e)
    expect(SwitchyardError.is(dialErr, 'CONNECTION_GATED')).toBe(true)
    // b dialing a is refused by a after the handshake (the secured gate). The initiator
    // finishes the Noise handshake before the responder checks, so b's dial may resolve:
    // either way b ends without a connection and a never announces one.
    const aConnected: string[] = []
    a.sw.on('connected', (e) => aConnected.push(e.peer.toString()))
    await b.sw.dial(a.addr).catch(() => {})
    await vi.waitFor(() => expect(b.sw.connections()).toHaveLength(0), waitLong)
    expect(a.sw.connections()).toHaveLength(0)
    expect(aConnected).toEqual([])
    // Others still get in.
    await c.sw.dial(a.addr)
    await vi.waitFor(() => expect(a.sw.connections()).toHaveLength(1), waitLong)
  })

  it('refuses connections beyond the resource scopes and releases every scope on close', async () => {
    net = new TestNet(kind)
    const rm = createResourceManager({ limits: { system: { connsInbound: 1 } } })
    const hub = await net.listening({ resourceManager: rm })
    hub.sw.handle('/echo/1.0.0', echo)
    const a = net.make()
    const b = net.make()
    await a.sw.dial(hub.addr)
    await vi.waitFor(() => expect(hub.sw.connections()).toHaveLength(1), waitLong)
    await expect(b.sw.dial(hub.addr)).rejects.toBeDefined()
    expect(hub.sw.connections()).toHaveLength(1)
    await hub.sw.close()
    expect(isIdle(rm)).toBe(true)
  })

  it('refuses inbound connections beyond maxInboundConnections', async () => {
    net = new TestNet(kind)
    const hub = await net.listening({ maxInboundConnections: 1 })
    await net.make().sw.dial(hub.addr)
    await vi.waitFor(() => expect(hub.sw.connections()).toHaveLength(1), waitLong)
    await expect(net.make().sw.dial(hub.addr)).rejects.toBeDefined()
    expect(hub.sw.connections()).toHaveLength(1)
  })

  it('teaches the peerstore addresses, protocols and disconnect reasons', async () => {
    net = new TestNet(kind)
    const a = net.make()
    const b = await net.listening()
    b.sw.handle('/echo/1.0.0', echo)
    const ps = await a.sw.openStream(b.addr, '/echo/1.0.0')
    const r = readAll(ps.stream)
    ps.stream.end()
    await r
    expect(a.sw.peerstore.addrs(b.peerId).map((x) => x.multiaddr.toString())).toContain(b.bound.toString())
    expect(a.sw.peerstore.protocols(b.peerId)).toContain('/echo/1.0.0')
    expect(a.sw.peerstore.get(b.peerId)?.lastConnectedAt).toBeDefined()
    await vi.waitFor(() => expect(b.sw.connections(a.peerId)).toHaveLength(1), waitLong)
    await b.sw.hangUp(a.peerId, 'protocol-violation')
    expect(b.sw.peerstore.get(a.peerId)?.lastDisconnectReason).toBe('protocol-violation')
    await vi.waitFor(() => expect(a.sw.peerstore.get(b.peerId)?.lastDisconnectReason).toBeDefined(), waitLong)
  })

  it('prunes above the high watermark down to the low one, in the order of the ranking', async () => {
    net = new TestNet(kind)
    let t = 0
    const hub = await net.listening({ highWater: 6, lowWater: 4, gracePeriodMs: 0, now: () => ++t })
    const spokes = Array.from({ length: 7 }, () => net.make())
    hub.sw.protect(spokes[0]!.peerId, 'test')
    hub.sw.peerstore.tag(spokes[1]!.peerId, 'important', { value: 10 })
    const pruned: string[] = []
    hub.sw.on('disconnected', (e) => {
      if (e.reason === 'resource-constraint') pruned.push(e.peer.toString())
    })
    for (const s of spokes) {
      await s.sw.dial(hub.addr)
      await vi.waitFor(() => expect(hub.sw.connections(s.peerId)).toHaveLength(1), waitLong)
    }
    await vi.waitFor(() => expect(pruned).toHaveLength(3), waitLong)
    expect(pruned).toEqual([spokes[2]!, spokes[3]!, spokes[4]!].map((s) => s.peerId.toString()))
    expect(hub.sw.connections()).toHaveLength(4)
    expect(hub.sw.unprotect(spokes[0]!.peerId, 'test')).toBe(false)
  })

  it('reconnects a keep-alive peer after the remote restarts', async () => {
    net = new TestNet(kind)
    const a = net.make({ reconnect: { timeoutBackoff: { baseMs: 20, maxMs: 100 } } })
    const b = await net.listening()
    await a.sw.dial(b.addr)
    a.sw.setKeepAlive(b.peerId, true)
    const reasons: string[] = []
    a.sw.on('disconnected', (e) => reasons.push(e.reason))
    await b.sw.close()
    await vi.waitFor(() => expect(reasons).toHaveLength(1), waitLong)
    // The same identity comes back on the same address.
    const connected = new Promise<void>((resolve) => a.sw.on('connected', () => resolve()))
    const b2 = await net.listening({ privateKey: b.privateKey, at: b.bound })
    await connected
    expect(a.sw.connections(b2.peerId)).toHaveLength(1)
  })

  it('does not reconnect a keep-alive peer that was banned', async () => {
    net = new TestNet(kind)
    const a = net.make({ reconnect: { timeoutBackoff: { baseMs: 1, maxMs: 1 } } })
    const b = await net.listening()
    b.sw.handle('/hold/1.0.0', hold)
    await a.sw.dial(b.addr)
    a.sw.setKeepAlive(b.peerId, true)
    await a.sw.hangUp(b.peerId, 'peer-banned')
    expect(a.sw.connections()).toHaveLength(0)
    expect(a.sw.peerstore.get(b.peerId)?.lastDisconnectReason).toBe('peer-banned')
    // A dial of our own would be the only way back.
    expect(a.sw.isKeepAlive(b.peerId)).toBe(true)
  })

  it('closes cleanly while dials and upgrades are in flight', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const { sw, rm } = net.make()
    const dial = sw.dial(b.addr).catch((e: unknown) => e)
    await sw.close()
    await dial
    expect(sw.connections()).toEqual([])
    expect(isIdle(rm)).toBe(true)
    await expect(sw.dial(b.addr)).rejects.toMatchObject({ code: 'SWITCH_CLOSED' })
  })
})
