import { type DisconnectReason, readAll, writeAll } from '@switchyard/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { scoreBandwidth } from '../src/index.js'
import { echo, TestNet } from './helpers.js'

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

  it('samples the byte counters at each tick: bandwidth enters the health score', async () => {
    net = new TestNet('memory')
    let t = 1_000
    const a = net.make({ now: () => t, maintenanceIntervalMs: 1_000_000 })
    const b = await net.listening()
    b.sw.handle('/echo/1.0.0', echo)
    const conn = await a.sw.dial(b.addr)
    const wire = () => {
      const s = a.sw.connectionStats(conn)!
      return s.bytesRead! + s.bytesWritten!
    }
    // The handshakes moved bytes, but less than a sample's worth: no bandwidth yet.
    expect(wire()).toBeGreaterThan(0)
    t += 1_000
    a.sw.maintain()
    expect(a.sw.connectionStats(conn)?.bytesPerSecond).toBeUndefined()
    const before = wire()

    const { stream } = await a.sw.openStream(b.peerId, '/echo/1.0.0')
    const reply = readAll(stream)
    await writeAll(stream, [new Uint8Array(256 * 1024)])
    expect((await reply).byteLength).toBe(256 * 1024)
    const moved = wire() - before
    // Wire bytes: both directions, with encryption and framing on top of the payload.
    expect(moved).toBeGreaterThan(2 * 256 * 1024)
    t += 2_000
    a.sw.maintain()
    const busy = a.sw.connectionStats(conn)!
    expect(busy.bytesPerSecond).toBe(moved / 2)
    // No ping: the score averages reliability (one good stream) and bandwidth.
    expect(busy.score).toBeCloseTo((1 + scoreBandwidth(moved / 2)) / 2)

    // An idle interval says nothing about the link: the estimate stays.
    t += 10_000
    a.sw.maintain()
    expect(a.sw.connectionStats(conn)?.bytesPerSecond).toBe(moved / 2)
  })

  it('does not start a second ping while one is in flight; close aborts the hung one', async () => {
    net = new TestNet('memory')
    let t = 1_000
    const signals: AbortSignal[] = []
    const a = net.make({
      now: () => t,
      pingIntervalMs: 100,
      maintenanceIntervalMs: 1_000_000,
      // A remote that never answers: the ping ends only with its signal.
      ping: (_conn, { signal }) => {
        signals.push(signal)
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        )
      },
    })
    const b = await net.listening()
    await a.sw.dial(b.addr)
    for (let i = 0; i < 3; i++) {
      t += 200
      a.sw.maintain()
    }
    expect(signals).toHaveLength(1)
    await a.sw.close()
    expect(signals[0]!.aborted).toBe(true)
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
    // We close the degraded one (network-restructure) once the replacement is up.
    await vi.waitFor(() => expect(reasons).toHaveLength(1), waitLong)
    expect(reasons[0]).toBe('network-restructure')
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
