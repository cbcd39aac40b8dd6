import type { MuxedStream } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { Account, bytes, tick } from '../test/helpers.js'
import { victim } from '../test/raw-peer.js'
import { Flag, FrameType, INITIAL_STREAM_WINDOW } from './constants.js'
import { createYamux } from './yamux.js'

const KiB = 1024

function reader(s: MuxedStream): { got: number } {
  const r = { got: 0 }
  s.setSink({ onData: (c) => (r.got += c.byteLength), onEnd() {} })
  return r
}

async function withRtt(v: ReturnType<typeof victim>, ms: number): Promise<void> {
  void v.session.ping() // sessions measure the RTT with their first stream; here, before it
  await tick()
  const ping = v.peer.of(FrameType.Ping)[0]!
  v.clock.advance(ms)
  v.peer.send(FrameType.Ping, Flag.ACK, 0, ping.length)
  await tick()
  expect(v.session.rttMs).toBe(ms)
}

describe('YamuxStream flow control', () => {
  it('grants window as the application consumes, coalesced (not one update per data frame)', async () => {
    const v = victim({}, { accept: (s) => reader(s) })
    v.peer.send(FrameType.WindowUpdate, Flag.SYN, 1, 0)
    for (let i = 0; i < 64; i++) v.peer.data(0, 1, bytes(4 * KiB, i)) // 256 KiB in 64 frames
    await tick()
    const updates = v.peer.of(FrameType.WindowUpdate, 1).filter((f) => f.length > 0)
    expect(updates.length).toBeGreaterThanOrEqual(1)
    expect(updates.length).toBeLessThanOrEqual(2)
    expect(updates.reduce((n, f) => n + f.length, 0)).toBe(INITIAL_STREAM_WINDOW)
  })

  it('grants nothing while the application does not read; grants when it does', async () => {
    let stream: MuxedStream | undefined
    const v = victim({}, { accept: (s) => (stream = s) })
    v.peer.data(Flag.SYN, 1, bytes(200 * KiB))
    await tick()
    expect(v.peer.of(FrameType.WindowUpdate, 1)).toHaveLength(0)
    expect(v.session.stats.recvBufferedBytes).toBe(200 * KiB)
    const r = reader(stream!)
    await tick()
    expect(r.got).toBe(200 * KiB)
    const updates = v.peer.of(FrameType.WindowUpdate, 1)
    expect(updates.reduce((n, f) => n + f.length, 0)).toBe(200 * KiB)
    expect(updates[0]!.flags & Flag.ACK).toBe(Flag.ACK)
  })

  it('auto-tunes: a window consumed within 4 RTTs doubles, up to the maximum', async () => {
    const v = victim(
      { keepAliveIntervalMs: 60_000, maxStreamWindowBytes: 1024 * KiB },
      { accept: (s) => reader(s) },
    )
    await withRtt(v, 10)
    v.peer.data(Flag.SYN, 1, bytes(1)) // the ACK goes out with a 1-byte grant, no growth
    await tick()
    expect(v.peer.of(FrameType.WindowUpdate, 1)[0]).toMatchObject({ flags: Flag.ACK, length: 1 })
    v.peer.data(0, 1, bytes(128 * KiB))
    await tick()
    let updates = v.peer.of(FrameType.WindowUpdate, 1)
    // 128 KiB consumed + 256 KiB growth (window 256 → 512 KiB).
    expect(updates.at(-1)!.length).toBe(384 * KiB)
    v.peer.data(0, 1, bytes(256 * KiB))
    await tick()
    updates = v.peer.of(FrameType.WindowUpdate, 1)
    expect(updates.at(-1)!.length).toBe(768 * KiB) // 256 consumed + 512 growth → 1 MiB (the max)
    v.peer.data(0, 1, bytes(512 * KiB))
    await tick()
    updates = v.peer.of(FrameType.WindowUpdate, 1)
    expect(updates.at(-1)!.length).toBe(512 * KiB) // at the maximum: no growth
  })

  it('auto-tuning assumes an RTT of at least 1 ms: a loopback ping of 50 µs does not stop the growth', async () => {
    const v = victim({ keepAliveIntervalMs: 60_000 }, { accept: (s) => reader(s) })
    await withRtt(v, 0.05)
    v.peer.data(Flag.SYN, 1, bytes(1))
    await tick()
    // Half a window consumed 0.5 ms after the last grant: over 4 × 50 µs, within 4 × 1 ms.
    v.clock.advance(0.5)
    v.peer.data(0, 1, bytes(128 * KiB))
    await tick()
    expect(v.peer.of(FrameType.WindowUpdate, 1).at(-1)!.length).toBe(384 * KiB)
  })

  it('does not grow when consumption is slow (more than 4 RTTs per window)', async () => {
    const v = victim({ keepAliveIntervalMs: 60_000 }, { accept: (s) => reader(s) })
    await withRtt(v, 10)
    v.peer.data(Flag.SYN, 1, bytes(64 * KiB))
    await tick()
    v.clock.advance(100)
    v.peer.data(0, 1, bytes(128 * KiB))
    await tick()
    expect(v.peer.of(FrameType.WindowUpdate, 1).at(-1)!.length).toBe(128 * KiB)
  })

  it('grows only when the memory account grants the reservation', async () => {
    // Room for less than one doubling of the window: growth is refused.
    const account = new Account(1024)
    const [a, b] = (await import('@switchyard/testkit')).duplexPair()
    const { RawPeer } = await import('../test/raw-peer.js')
    const { FakeClock } = await import('../test/helpers.js')
    const clock = new FakeClock()
    const session = createYamux({ keepAliveIntervalMs: 60_000, clock }).createSession(a, {
      direction: 'inbound',
      onStream: (s) => reader(s),
      memory: account,
    })
    const peer = new RawPeer(b)
    await withRtt({ session, peer, clock } as unknown as ReturnType<typeof victim>, 10)
    peer.data(Flag.SYN, 1, bytes(128 * KiB))
    await tick()
    expect(peer.of(FrameType.WindowUpdate, 1).at(-1)!.length).toBe(128 * KiB)
    expect(account.used).toBe(0)
    session.abort(new Error('done'))
    expect(account.used).toBe(0)
  })

  it('announces a larger initial window with the SYN', async () => {
    const v = victim({ initialStreamWindowBytes: 1024 * KiB }, { direction: 'outbound' })
    await v.session.newStream()
    await tick()
    const syn = v.peer.of(FrameType.WindowUpdate, 1)[0]!
    expect(syn.flags).toBe(Flag.SYN)
    expect(syn.length).toBe(768 * KiB)
  })

  it('respects the send window: stops at 256 KiB until a window update', async () => {
    const v = victim({}, { direction: 'outbound' })
    const s = await v.session.newStream()
    s.write(bytes(300 * KiB))
    await tick()
    const sent = () => v.peer.of(FrameType.Data, 1).reduce((n, f) => n + f.payload.byteLength, 0)
    expect(sent()).toBe(INITIAL_STREAM_WINDOW)
    expect(Math.max(...v.peer.of(FrameType.Data, 1).map((f) => f.payload.byteLength))).toBe(64 * KiB)
    v.peer.send(FrameType.WindowUpdate, Flag.ACK, 1, 100 * KiB)
    await tick()
    expect(sent()).toBe(300 * KiB)
  })
})
