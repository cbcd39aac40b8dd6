/**
 * Adversarial tests in the spirit of hashicorp/yamux's: a raw-frame attacker
 * (test/raw-peer.ts) against a real session. The victim's memory is measured
 * through its byte accounting and must stay within the configured windows and limits.
 */
import { type MuxedStream, readAll, SwitchyardError, writeAll } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { Flag, FrameType, GoAwayCode, INITIAL_STREAM_WINDOW } from '../src/constants.js'
import { YamuxError, type YamuxErrorCode } from '../src/errors.js'
import { headerBytes } from '../src/frame.js'
import { bytes, sessionPair, tick } from './helpers.js'
import { victim } from './raw-peer.js'

const enc = new TextEncoder()

function closedWith(s: { onceClosed(cb: (e?: Error) => void): unknown }): Promise<Error | undefined> {
  return new Promise((r) => s.onceClosed(r))
}

describe('adversarial: floods', () => {
  it('ping flood from a peer that never reads: replies stay bounded', async () => {
    const v = victim({}, { read: false })
    const ping = headerBytes(FrameType.Ping, Flag.SYN, 0, 7)
    const burst = Buffer.concat(Array.from({ length: 1000 }, () => ping))
    for (let i = 0; i < 50; i++) {
      v.peer.channel.write(burst) // 50,000 pings
      await tick(2)
    }
    await tick()
    const stats = v.session.stats
    expect(stats.controlQueuedFrames).toBeLessThanOrEqual(32)
    // What the victim handed to its transport is bounded by the transport's
    // buffers (64 KiB each side here) plus one batch, not by the 50,000 pings.
    expect(v.victimChannel.bytesWritten).toBeLessThan(512 * 1024)
    expect(v.session.closed).toBe(false)
    // The peer starts reading: the session is healthy and answers again.
    v.peer.startReading()
    await tick()
    v.peer.send(FrameType.Ping, Flag.SYN, 0, 99)
    await tick()
    expect(v.peer.of(FrameType.Ping).some((f) => f.length === 99)).toBe(true)
  })

  it('2,000 SYNs never negotiated: at most the ACK backlog is kept, the rest reset, all reset after ackTimeoutMs', async () => {
    const v = victim({ ackTimeoutMs: 5000 })
    const syns = Buffer.concat(
      Array.from({ length: 2000 }, (_, i) => headerBytes(FrameType.WindowUpdate, Flag.SYN, 2 * i + 1, 0)),
    )
    v.peer.channel.write(syns)
    await tick()
    expect(v.session.stats.streams).toBe(256)
    expect(v.session.stats.inboundBacklog).toBe(256)
    expect(v.session.stats.recvBufferedBytes).toBe(0)
    const resets = v.peer.frames.filter((f) => f.flags === Flag.RST)
    expect(resets).toHaveLength(2000 - 256)
    v.clock.advance(5000)
    await tick()
    expect(v.session.streamCount).toBe(0)
    expect(v.peer.frames.filter((f) => f.flags === Flag.RST)).toHaveLength(2000)
    expect(v.accepted.every((s) => YamuxError.is(s.error, 'YAMUX_ACK_TIMEOUT'))).toBe(true)
    expect(v.session.closed).toBe(false)
    expect(v.clock.pending).toBe(0)
  })

  it('a stream that is used is acknowledged and not reset by the ACK timeout', async () => {
    const v = victim({ ackTimeoutMs: 5000 }, { accept: (s) => s.setSink({ onData() {}, onEnd() {} }) })
    v.peer.data(Flag.SYN, 1, enc.encode('/multistream/1.0.0\n'))
    await tick()
    expect(v.peer.of(FrameType.WindowUpdate, 1)[0]?.flags).toBe(Flag.ACK)
    v.clock.advance(10_000)
    expect(v.accepted[0]!.closed).toBe(false)
  })

  it('the ACK timeout resets exactly the unacknowledged streams, whatever order the others were acknowledged in', async () => {
    // Streams 1, 3, 5, 7 come in; 3 and 7 are used (acknowledged), 1 and 5 never are.
    const used = new Set([3, 7])
    const v = victim(
      { ackTimeoutMs: 5000 },
      { accept: (s) => (used.has(s.id) ? s.setSink({ onData() {}, onEnd() {} }) : undefined) },
    )
    for (const id of [1, 3, 5, 7]) v.peer.data(Flag.SYN, id, enc.encode('x'))
    await tick()
    expect(v.session.stats.inboundBacklog).toBe(2)
    v.clock.advance(4999)
    expect(v.accepted.every((s) => !s.closed)).toBe(true)
    v.clock.advance(1)
    await tick()
    expect(v.accepted.filter((s) => s.closed).map((s) => s.id)).toEqual([1, 5])
    expect(v.session.stats.inboundBacklog).toBe(0)
    expect(v.clock.pending).toBe(0) // no ACK timer left (the victim has no keepalive)
    // A later stream gets its own full timeout.
    v.peer.data(Flag.SYN, 9, enc.encode('x'))
    await tick()
    v.clock.advance(4999)
    expect(v.accepted.at(-1)!.closed).toBe(false)
    v.clock.advance(1)
    expect(YamuxError.is(v.accepted.at(-1)!.error, 'YAMUX_ACK_TIMEOUT')).toBe(true)
  })

  it('closed stream ids are remembered across thousands of later streams: a SYN reusing one is a violation', async () => {
    const v = victim({}, { accept: (s) => s.setSink({ onData() {}, onEnd: () => s.end() }) })
    // Stream 1 is opened and closed both ways, then 3,000 more after it.
    for (let i = 0; i < 3001; i++) {
      const id = 2 * i + 1
      v.peer.channel.write(headerBytes(FrameType.WindowUpdate, Flag.SYN | Flag.FIN, id, 0))
    }
    await tick(5)
    expect(v.session.closed).toBe(false)
    expect(v.session.streamCount).toBe(0)
    v.peer.channel.write(headerBytes(FrameType.WindowUpdate, Flag.SYN, 2 * 2000 + 1, 0))
    expect(YamuxError.is(await closedWith(v.session), 'YAMUX_DUPLICATE_SYN')).toBe(true)
  })
})

describe('adversarial: window', () => {
  it('data beyond the window on one stream ends the session with GoAway(protocol error)', async () => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, new Uint8Array(INITIAL_STREAM_WINDOW))
    await tick()
    const s = v.accepted[0]!
    const closed = closedWith(s)
    v.peer.data(0, 1, new Uint8Array(1))
    const err = await closed
    expect(YamuxError.is(err, 'YAMUX_RECV_WINDOW_EXCEEDED')).toBe(true)
    await tick()
    expect(v.peer.goAway).toBe(GoAwayCode.ProtocolError)
    expect(v.session.stats.recvBufferedBytes).toBe(0)
  })

  it('32 streams filled to the window while the application does not read: nothing more can be parked', async () => {
    const v = victim()
    for (let i = 0; i < 32; i++) v.peer.data(Flag.SYN, 2 * i + 1, bytes(INITIAL_STREAM_WINDOW, i))
    await tick(20)
    expect(v.session.closed).toBe(false)
    // Every byte is buffered for a reader that does not read — and no window was granted back.
    expect(v.session.stats.recvBufferedBytes).toBe(32 * INITIAL_STREAM_WINDOW)
    expect(v.peer.of(FrameType.WindowUpdate).filter((f) => f.length > 0)).toHaveLength(0)
    // One more byte on any of them is a protocol violation.
    v.peer.data(0, 17, new Uint8Array(1))
    const err = await closedWith(v.session)
    expect(YamuxError.is(err, 'YAMUX_RECV_WINDOW_EXCEEDED')).toBe(true)
    expect(v.session.stats.recvBufferedBytes).toBe(0)
    expect(v.accepted.every((s) => s.error === err)).toBe(true)
  })

  it('a huge length is refused on its header, before any byte is buffered', async () => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, enc.encode('x'))
    v.peer.channel.write(headerBytes(FrameType.Data, 0, 1, 0xffff_ffff))
    const err = await closedWith(v.session)
    expect(YamuxError.is(err, 'YAMUX_FRAME_TOO_LARGE')).toBe(true)
    expect(v.session.stats.decoderBufferedBytes).toBe(0)
  })

  it('a reader that never reads: memory bounded on both sides', async () => {
    const { client, server, accepted } = sessionPair()
    const s = await client.newStream()
    s.write(new Uint8Array(1))
    await tick()
    const remote = accepted[0]! // never read
    let accepted_ = 0
    let writes = 0
    while (s.write(bytes(16 * 1024, writes++))) accepted_ += 16 * 1024
    const writing = writeAll(
      s,
      (function* () {
        for (let i = 0; i < 1000; i++) yield bytes(16 * 1024, i)
      })(),
    )
    await tick(50)
    expect(server.stats.recvBufferedBytes).toBeLessThanOrEqual(INITIAL_STREAM_WINDOW)
    expect(client.stats.sendQueuedBytes).toBeLessThanOrEqual(256 * 1024 + 16 * 1024)
    expect(accepted_).toBeLessThan(512 * 1024)
    remote.destroy()
    await expect(writing).rejects.toSatisfy((e) => SwitchyardError.is(e, 'STREAM_RESET'))
  })
})

describe('adversarial: protocol violations end the session with GoAway(protocol error)', () => {
  const cases: Array<[string, YamuxErrorCode, (send: (b: Uint8Array) => void) => void]> = [
    ['bad version', 'YAMUX_INVALID_VERSION', (send) => send(headerBytes(FrameType.Ping, Flag.SYN, 0, 1, 1))],
    ['unknown type', 'YAMUX_INVALID_FRAME_TYPE', (send) => send(headerBytes(7, 0, 0, 0))],
    ['data for a never-opened stream', 'YAMUX_UNKNOWN_STREAM', (send) => send(frame(0, 0, 9, 'x'))],
    [
      'window update for a never-opened local id',
      'YAMUX_UNKNOWN_STREAM',
      (send) => send(headerBytes(1, 0, 2, 5)),
    ],
    ['duplicate SYN', 'YAMUX_DUPLICATE_SYN', (send) => send(frame(0, Flag.SYN, 1, 'again'))],
    ['SYN with our parity', 'YAMUX_INVALID_STREAM_ID', (send) => send(headerBytes(1, Flag.SYN, 4, 0))],
    ['stream frame on stream 0', 'YAMUX_INVALID_STREAM_ID', (send) => send(frame(0, 0, 0, 'x'))],
    [
      'data after FIN',
      'YAMUX_STREAM_CLOSED',
      (send) => send(Buffer.concat([headerBytes(1, Flag.FIN, 1, 0), frame(0, 0, 1, 'x')])),
    ],
    ['window overflow', 'YAMUX_WINDOW_OVERFLOW', (send) => send(headerBytes(1, 0, 1, 0xffff_ffff))],
    ['ping without SYN or ACK', 'YAMUX_INVALID_FLAGS', (send) => send(headerBytes(FrameType.Ping, 0, 0, 1))],
  ]
  for (const [name, code, attack] of cases) {
    it(`${name} → ${code}`, async () => {
      const v = victim({ keepAliveIntervalMs: 1000, ackTimeoutMs: 1000 })
      v.peer.data(Flag.SYN, 1, enc.encode('hello')) // an open stream that will see the error
      await tick()
      const stream = v.accepted[0]!
      attack((b) => v.peer.channel.write(b))
      const err = await closedWith(v.session)
      expect(YamuxError.is(err, code)).toBe(true)
      expect(stream.error).toBe(err)
      await tick()
      expect(v.peer.goAway).toBe(GoAwayCode.ProtocolError)
      expect(v.session.streamCount).toBe(0)
      expect(v.session.stats.recvBufferedBytes).toBe(0)
      // Every timer released once the channel is gone (the peer closes its end).
      v.peer.channel.end()
      await tick()
      expect(v.victimChannel.closed).toBe(true)
      expect(v.clock.pending).toBe(0)
    })
  }

  it('data for a stream the remote already closed (after a graceful close)', async () => {
    const v = victim()
    v.peer.data(Flag.SYN | Flag.FIN, 1, enc.encode('req'))
    await tick()
    const s = v.accepted[0]!
    await readAll(s)
    s.end()
    await tick()
    expect(v.session.streamCount).toBe(0)
    v.peer.data(0, 1, enc.encode('zombie'))
    expect(YamuxError.is(await closedWith(v.session), 'YAMUX_STREAM_CLOSED')).toBe(true)
  })

  it('late frames for a stream we reset are dropped, not violations', async () => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, enc.encode('x'))
    await tick()
    v.accepted[0]!.destroy()
    v.peer.data(0, 1, enc.encode('in flight'))
    v.peer.send(FrameType.WindowUpdate, 0, 1, 1000)
    await tick()
    expect(v.session.closed).toBe(false)
  })
})

describe('adversarial: transport', () => {
  it('abrupt transport close mid-stream: every stream fails, everything released', async () => {
    const v = victim({ keepAliveIntervalMs: 1000, ackTimeoutMs: 1000 })
    const streams: MuxedStream[] = []
    for (let i = 0; i < 5; i++) v.peer.data(Flag.SYN, 2 * i + 1, bytes(10_000, i))
    await tick()
    streams.push(...v.accepted)
    v.peer.channel.reset()
    const err = await closedWith(v.session)
    expect(YamuxError.is(err, 'YAMUX_TRANSPORT_CLOSED')).toBe(true)
    expect(streams.every((s) => s.closed && s.error === err)).toBe(true)
    expect(v.session.stats).toMatchObject({ streams: 0, recvBufferedBytes: 0, sendQueuedBytes: 0 })
    expect(v.clock.pending).toBe(0)
  })
})

function frame(type: number, flags: number, id: number, text: string): Uint8Array {
  const payload = enc.encode(text)
  return Buffer.concat([headerBytes(type, flags, id, payload.byteLength), payload])
}
