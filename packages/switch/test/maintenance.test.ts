import type { DisconnectReason } from '@switchyard/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TestNet } from './helpers.js'

const waitLong = { timeout: 5_000, interval: 10 }

describe('maintenance (seed 001 §4.2)', () => {
  let net: TestNet
  afterEach(async () => {
    await net.closeAll()
  })

  it('pings, grades health, closes inactive connections with reason timeout', async () => {
    net = new TestNet('memory')
    let t = 1_000
    const a = net.make({
      now: () => t,
      pingIntervalMs: 100,
      inactivityTimeoutMs: 10_000,
      maintenanceIntervalMs: 1_000_000,
      ping: async () => 5,
    })
    const b = await net.listening()
    const conn = await a.sw.dial(b.addr)
    t += 200
    a.sw.maintain()
    await vi.waitFor(() => expect(a.sw.connectionStats(conn)?.latencyMs).toBe(5), waitLong)
    expect(a.sw.connectionStats(conn)?.grade).toBe('excellent')
    expect(a.sw.peerstore.latency(b.peerId)).toBe(5)
    const reasons: DisconnectReason[] = []
    a.sw.on('disconnected', (e) => reasons.push(e.reason))
    t += 20_000
    a.sw.maintain()
    await vi.waitFor(() => expect(reasons).toEqual(['timeout']), waitLong)
    expect(a.sw.peerstore.get(b.peerId)?.lastDisconnectReason).toBe('timeout')
  })

  it('replaces a connection whose health is critical', async () => {
    net = new TestNet('memory')
    let t = 1_000
    const a = net.make({
      now: () => t,
      pingIntervalMs: 100,
      maintenanceIntervalMs: 1_000_000,
      ping: async () => {
        throw new Error('no pong')
      },
    })
    const b = await net.listening()
    const first = await a.sw.dial(b.addr)
    const reasons: DisconnectReason[] = []
    a.sw.on('disconnected', (e) => reasons.push(e.reason))
    for (let i = 0; i < 3; i++) {
      t += 200
      a.sw.maintain()
      await new Promise((r) => setImmediate(r))
    }
    // We close the degraded one (network-restructure) unless the remote, which keeps the
    // newer of two same-direction connections too, closed it first (normal).
    await vi.waitFor(() => expect(reasons).toHaveLength(1), waitLong)
    expect(['network-restructure', 'normal']).toContain(reasons[0])
    const [second] = a.sw.connections(b.peerId)
    expect(second).toBeDefined()
    expect(second).not.toBe(first)
  })

  it('ten switches in a full mesh: every pair shares one connection, close releases all', async () => {
    net = new TestNet('memory')
    const nodes = await Promise.all(Array.from({ length: 10 }, () => net.listening()))
    await Promise.all(nodes.flatMap((x, i) => nodes.slice(i + 1).map((y) => x.sw.dial(y.addr))))
    await vi.waitFor(() => {
      for (const n of nodes) expect(n.sw.connections()).toHaveLength(9)
    }, waitLong)
    await net.closeAll()
    for (const n of nodes) expect(n.sw.connections()).toHaveLength(0)
  })
})
