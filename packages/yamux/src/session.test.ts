import { readAll, StreamError, writeAll } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { Account, bytes, FakeClock, same, sessionPair, tick } from '../test/helpers.js'
import { victim } from '../test/raw-peer.js'
import { Flag, FrameType, GoAwayCode } from './constants.js'
import { YamuxError } from './errors.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

describe('YamuxSession: streams', () => {
  it('opens a stream and echoes; both ends close gracefully and are released', async () => {
    const { client, server, accepted } = sessionPair()
    const s = await client.newStream()
    expect(s.id).toBe(1)
    s.write(enc.encode('hello'))
    s.end()
    await tick()
    const remote = accepted[0]!
    expect(remote.id).toBe(1)
    expect(remote.direction).toBe('inbound')
    expect(dec.decode(await readAll(remote))).toBe('hello')
    await writeAll(remote, [enc.encode('world')])
    expect(dec.decode(await readAll(s))).toBe('world')
    await tick()
    expect(s.closed && remote.closed).toBe(true)
    expect(s.error).toBeUndefined()
    expect(client.streamCount + server.streamCount).toBe(0)
  })

  it('a new stream sends its SYN with the first data, or bare after a macrotask if nothing is written', async () => {
    const v = victim({}, { direction: 'outbound' })
    const withData = await v.session.newStream()
    withData.write(enc.encode('x'))
    const bare = await v.session.newStream()
    await new Promise((r) => setImmediate(r))
    await tick()
    const frames = v.peer.frames.filter((f) => f.type !== FrameType.Ping)
    expect(frames.map((f) => [f.type, f.flags, f.streamId, f.length])).toEqual([
      [FrameType.Data, Flag.SYN, withData.id, 1],
      [FrameType.WindowUpdate, Flag.SYN, bare.id, 0],
    ])
  })

  it('the macrotask that announces bare SYNs is cancelled once every new stream sent its SYN with data', async () => {
    const cleared: unknown[] = []
    const realClear = globalThis.clearImmediate
    globalThis.clearImmediate = ((h: NodeJS.Immediate) => {
      cleared.push(h)
      realClear(h)
    }) as typeof clearImmediate
    try {
      const v = victim({}, { direction: 'outbound' })
      const a = await v.session.newStream()
      const b = await v.session.newStream()
      // Microtasks only: a macrotask would let the announcement run.
      const microtasks = async () => {
        for (let i = 0; i < 20; i++) await null
      }
      a.write(enc.encode('a'))
      await microtasks()
      expect(cleared).toHaveLength(0) // b has not sent its SYN yet
      b.write(enc.encode('b'))
      await microtasks()
      expect(cleared).toHaveLength(1)
      await tick()
      expect(v.peer.frames.map((f) => [f.flags, f.streamId])).toEqual([
        [Flag.SYN, a.id],
        [Flag.SYN, b.id],
      ])
    } finally {
      globalThis.clearImmediate = realClear
    }
  })

  it('client streams are odd, server streams even, and ids increase by 2', async () => {
    const { client, server } = sessionPair()
    expect([(await client.newStream()).id, (await client.newStream()).id]).toEqual([1, 3])
    expect([(await server.newStream()).id, (await server.newStream()).id]).toEqual([2, 4])
  })

  it('moves 4 MiB one way through 256 KiB windows, intact', async () => {
    const { client, server, accepted } = sessionPair({}, { split: 7000 })
    const s = await client.newStream()
    const data = bytes(4 * 1024 * 1024)
    const w = writeAll(s, [data.subarray(0, 1_000_000), data.subarray(1_000_000)])
    await tick()
    const got = await readAll(accepted[0]!)
    await w
    expect(same(got, data)).toBe(true)
    expect(server.stats.recvBufferedBytes).toBe(0)
    expect(client.stats.sendQueuedBytes).toBe(0)
  })

  it('a remote reset reaches the stream as STREAM_RESET', async () => {
    const { client, accepted } = sessionPair()
    const s = await client.newStream()
    s.write(new Uint8Array([1]))
    await tick()
    const closed = new Promise<Error | undefined>((r) => accepted[0]!.onceClosed(r))
    s.destroy()
    expect(StreamError.is(await closed, 'STREAM_RESET')).toBe(true)
  })

  it('a stream can still read after closing its write side, until the remote FIN', async () => {
    const { client, accepted } = sessionPair()
    const s = await client.newStream()
    s.end()
    await tick()
    const remote = accepted[0]!
    expect(dec.decode(await readAll(remote))).toBe('')
    remote.write(enc.encode('late reply'))
    await tick()
    expect(s.closed).toBe(false)
    remote.end()
    expect(dec.decode(await readAll(s))).toBe('late reply')
  })

  it('frames produced in one tick leave in ONE transport write', async () => {
    const { client, clientChannel } = sessionPair()
    const streams = await Promise.all(Array.from({ length: 10 }, () => client.newStream()))
    await tick()
    let writes = 0
    const write = clientChannel.write.bind(clientChannel)
    clientChannel.write = (chunk) => {
      writes++
      return write(chunk)
    }
    for (let i = 0; i < 100; i++) streams[i % 10]!.write(enc.encode(`msg ${i}`))
    await tick()
    expect(writes).toBe(1)
  })

  it('finds streams by id (Map) and counts them', async () => {
    const { client, server } = sessionPair()
    for (let i = 0; i < 50; i++) (await client.newStream()).write(new Uint8Array([i]))
    await tick()
    expect(client.streamCount).toBe(50)
    expect(server.streamCount).toBe(50)
  })
})

describe('YamuxSession: flags on any frame', () => {
  it('a Data frame with FIN delivers its payload first, then the EOF', async () => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, enc.encode('open'))
    v.peer.data(Flag.FIN, 1, enc.encode('and last'))
    await tick()
    expect(dec.decode(await readAll(v.accepted[0]!))).toBe('openand last')
  })

  it('a SYN may come with data, and with FIN: a one-frame request', async () => {
    const v = victim()
    v.peer.data(Flag.SYN | Flag.FIN, 1, enc.encode('request'))
    await tick()
    const s = v.accepted[0]!
    expect(dec.decode(await readAll(s))).toBe('request')
    s.write(enc.encode('reply'))
    s.end()
    await tick()
    const out = v.peer.of(FrameType.Data, 1)
    expect(dec.decode(out[0]!.payload)).toBe('reply')
    // The ACK went out once the application read (the stream was used).
    expect(v.peer.frames.filter((f) => f.streamId === 1)[0]!.flags).toBe(Flag.ACK)
    // FIN rides on a window update (js-libp2p-yamux 8.0.1 drops payloads that come with FIN).
    const fin = v.peer.frames.find((f) => (f.flags & Flag.FIN) !== 0)!
    expect(fin.type).toBe(FrameType.WindowUpdate)
  })

  it('RST with data drops the data and resets', async () => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, enc.encode('x'))
    await tick()
    const s = v.accepted[0]!
    const closed = new Promise<Error | undefined>((r) => s.onceClosed(r))
    v.peer.data(Flag.RST, 1, enc.encode('ignored'))
    expect(StreamError.is(await closed, 'STREAM_RESET')).toBe(true)
    expect(v.session.streamCount).toBe(0)
  })

  it('the first frame of an outbound stream carries SYN together with its data', async () => {
    const v = victim({}, { direction: 'outbound' })
    const s = await v.session.newStream()
    s.write(enc.encode('hi'))
    await tick()
    const first = v.peer.frames.filter((f) => f.streamId === 1)
    expect(first).toHaveLength(1)
    expect(first[0]!.type).toBe(FrameType.Data)
    expect(first[0]!.flags).toBe(Flag.SYN)
  })
})

describe('YamuxSession: limits', () => {
  it('ACK backlog full: newStream() fails when configured to', async () => {
    const v = victim({ maxAckBacklog: 2, ackBacklogFull: 'fail' }, { direction: 'outbound' })
    await v.session.newStream()
    await v.session.newStream()
    await expect(v.session.newStream()).rejects.toSatisfy((e) => YamuxError.is(e, 'YAMUX_ACK_BACKLOG_FULL'))
  })

  it('ACK backlog full: newStream() waits for an ACK, and honours its signal', async () => {
    const v = victim({ maxAckBacklog: 2 }, { direction: 'outbound' })
    await v.session.newStream()
    await v.session.newStream()
    const reason = new Error('gave up')
    const ac = new AbortController()
    const aborted = v.session.newStream({ signal: ac.signal })
    ac.abort(reason)
    await expect(aborted).rejects.toBe(reason)
    let opened = false
    const third = v.session.newStream().then((s) => {
      opened = true
      return s
    })
    await tick()
    expect(opened).toBe(false)
    v.peer.send(FrameType.WindowUpdate, Flag.ACK, 1, 0)
    expect((await third).id).toBe(5)
  })

  it('max outbound streams', async () => {
    const { client } = sessionPair({ maxOutboundStreams: 2 })
    await client.newStream()
    await client.newStream()
    await expect(client.newStream()).rejects.toSatisfy((e) => YamuxError.is(e, 'YAMUX_TOO_MANY_STREAMS'))
  })

  it('max inbound streams: the extra stream is reset', async () => {
    const v = victim({ maxInboundStreams: 2 })
    for (const id of [1, 3, 5]) v.peer.data(Flag.SYN, id, enc.encode('x'))
    await tick()
    expect(v.accepted.map((s) => s.id)).toEqual([1, 3])
    expect(v.peer.of(FrameType.WindowUpdate, 5)[0]?.flags).toBe(Flag.RST)
  })

  it('the memory account pays for window growth only, and gets it all back', async () => {
    const account = new Account()
    const [a, b] = (await import('@switchyard/testkit')).duplexPair()
    const { createYamux } = await import('./yamux.js')
    const f = createYamux({ keepAliveIntervalMs: 0 })
    const accepted: import('@switchyard/interface').MuxedStream[] = []
    const client = f.createSession(a, { direction: 'outbound', onStream: () => {}, memory: account })
    f.createSession(b, { direction: 'inbound', onStream: (s) => accepted.push(s) })
    const s = await client.newStream()
    // The initial window is the fixed cost of a stream, bounded by stream limits.
    expect(account.used).toBe(0)
    s.end()
    await tick()
    accepted[0]!.end()
    await readAll(s)
    await tick()
    expect(account.used).toBe(0)
    const tight = new Account(100)
    const c2 = createYamux({ keepAliveIntervalMs: 0 }).createSession(
      (await import('@switchyard/testkit')).duplexPair()[0],
      { direction: 'outbound', onStream: () => {}, memory: tight },
    )
    // A tight account never refuses a stream: it refuses growth (stream.test.ts).
    await expect(c2.newStream()).resolves.toBeDefined()
    c2.abort(new Error('done'))
  })
})

describe('YamuxSession: keepalive and ping', () => {
  it('pings with the first stream (not on start) and every interval; RTT comes from the injected clock', async () => {
    const v = victim({ keepAliveIntervalMs: 1000 })
    await tick()
    expect(v.peer.of(FrameType.Ping)).toHaveLength(0) // an idle session sends nothing
    v.peer.data(Flag.SYN, 1, enc.encode('x'))
    v.peer.data(Flag.SYN, 3, enc.encode('y'))
    await tick()
    expect(v.peer.of(FrameType.Ping)).toHaveLength(1) // one, for the first stream
    v.clock.advance(7)
    v.peer.send(FrameType.Ping, Flag.ACK, 0, v.peer.of(FrameType.Ping)[0]!.length)
    await tick()
    expect(v.session.rttMs).toBe(7)
    v.clock.advance(1000)
    await tick()
    expect(v.peer.of(FrameType.Ping)).toHaveLength(2)
    v.session.abort(new Error('done'))
    expect(v.clock.pending).toBeLessThanOrEqual(1) // only the linger timer may remain
  })

  it('an unanswered keepalive ping fails the session', async () => {
    const v = victim({ keepAliveIntervalMs: 1000, pingTimeoutMs: 500 })
    const closed = new Promise<Error | undefined>((r) => v.session.onceClosed(r))
    await tick()
    v.clock.advance(1000) // the first keepalive ping
    await tick()
    v.clock.advance(500)
    expect(YamuxError.is(await closed, 'YAMUX_KEEPALIVE_TIMEOUT')).toBe(true)
  })

  it('ping() resolves with the RTT; answers pings of the remote', async () => {
    const { client, server } = sessionPair()
    expect(await client.ping()).toBeGreaterThanOrEqual(0)
    expect(client.rttMs).toBeGreaterThanOrEqual(0)
    expect(await server.ping()).toBeGreaterThanOrEqual(0)
    const reason = new Error('stop')
    await expect(client.ping({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
  })
})

describe('YamuxSession: GoAway and close', () => {
  it('close() sends GoAway(normal), refuses new streams both ways, lets open streams finish', async () => {
    const { client, server, accepted } = sessionPair()
    const s = await client.newStream()
    s.write(enc.encode('a'))
    await tick()
    const closing = client.close()
    await tick()
    await expect(client.newStream()).rejects.toSatisfy((e) => YamuxError.is(e, 'YAMUX_SESSION_CLOSED'))
    await expect(server.newStream()).rejects.toSatisfy((e) => YamuxError.is(e, 'YAMUX_SESSION_CLOSED'))
    const remote = accepted[0]!
    remote.write(enc.encode('b'))
    remote.end()
    s.end()
    expect(dec.decode(await readAll(s))).toBe('b')
    expect(dec.decode(await readAll(remote))).toBe('a')
    await closing
    await tick()
    expect(client.closed).toBe(true)
    expect(server.closed).toBe(true)
    expect(client.error).toBeUndefined()
  })

  it('close() resets streams still open after closeTimeoutMs', async () => {
    const clock = new FakeClock()
    const { client } = sessionPair({ clock, closeTimeoutMs: 1000 })
    const s = await client.newStream()
    const closed = new Promise<Error | undefined>((r) => s.onceClosed(r))
    const closing = client.close()
    await tick()
    clock.advance(1000)
    await closing
    expect(YamuxError.is(await closed, 'YAMUX_SESSION_CLOSED')).toBe(true)
  })

  it('abort() resets every stream with the error and sends GoAway(internal error)', async () => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, enc.encode('x'))
    await tick()
    const err = new Error('boom')
    const closed = new Promise<Error | undefined>((r) => v.accepted[0]!.onceClosed(r))
    v.session.abort(err)
    expect(await closed).toBe(err)
    await tick()
    expect(v.peer.goAway).toBe(GoAwayCode.InternalError)
  })

  it.each([
    ['normal', GoAwayCode.Normal],
    ['protocol-error', GoAwayCode.ProtocolError],
    ['internal-error', GoAwayCode.InternalError],
  ] as const)('abort(err, { goodbye: %s }) sends GoAway(%i)', async (goodbye, code) => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, enc.encode('x'))
    await tick()
    const err = new Error('bye')
    const closed = new Promise<Error | undefined>((r) => v.accepted[0]!.onceClosed(r))
    v.session.abort(err, { goodbye })
    expect(await closed).toBe(err)
    await tick()
    expect(v.peer.goAway).toBe(code)
  })

  it('GoAway(protocol error) from the remote fails the session with YAMUX_REMOTE_GOAWAY', async () => {
    const v = victim()
    v.peer.send(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError)
    const err = await new Promise<Error | undefined>((r) => v.session.onceClosed(r))
    expect(YamuxError.is(err, 'YAMUX_REMOTE_GOAWAY')).toBe(true)
    expect((err as YamuxError).goAwayCode).toBe(GoAwayCode.ProtocolError)
  })

  it('after a remote GoAway(normal) new inbound streams are reset', async () => {
    const v = victim()
    v.peer.data(Flag.SYN, 1, enc.encode('x'))
    v.peer.send(FrameType.GoAway, 0, 0, GoAwayCode.Normal)
    v.peer.data(Flag.SYN, 3, enc.encode('y'))
    await tick()
    expect(v.accepted).toHaveLength(1)
    expect(v.peer.of(FrameType.WindowUpdate, 3)[0]?.flags).toBe(Flag.RST)
    await expect(v.session.newStream()).rejects.toSatisfy((e) => YamuxError.is(e, 'YAMUX_SESSION_CLOSED'))
  })
})
