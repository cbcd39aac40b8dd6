/**
 * Regressions for the end of a session: nothing is written to the channel after
 * the session ended it, and a channel EOF that comes after every stream got its
 * FIN is a clean close (libp2p/specs yamux "Closing a stream", "GoAway").
 */
import { type MuxedStream, readAll } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { sessionPair, tick } from './helpers.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Wraps the channel's `write`/`end` to record any write after `end()` instead of throwing. */
function watchChannel(channel: { write(c: Uint8Array): boolean; end(): void }): { lateWrites: number } {
  const seen = { lateWrites: 0 }
  let ended = false
  const write = channel.write.bind(channel)
  const end = channel.end.bind(channel)
  channel.write = (chunk) => {
    if (ended) seen.lateWrites++
    return write(chunk)
  }
  channel.end = () => {
    ended = true
    end()
  }
  return seen
}

function closedWith(x: { onceClosed(cb: (err?: Error) => void): unknown }): Promise<Error | undefined> {
  return new Promise((r) => x.onceClosed(r))
}

describe('YamuxSession: end of the session', () => {
  it('the FIN that lets a GoAway-ed session end goes out before the channel end, and nothing after', async () => {
    // The demo's crash: the remote sent GoAway(normal); our last stream's FIN is
    // emitted inside the flush, the stream finishes, the session ends its channel
    // from inside that flush, and the flush then wrote its batch after end().
    const { client, server, serverChannel, accepted } = sessionPair()
    const watch = watchChannel(serverChannel)
    const s = await client.newStream()
    s.write(enc.encode('ping'))
    s.end()
    await tick()
    const remote = accepted[0]!
    expect(dec.decode(await readAll(remote))).toBe('ping')
    const clientClosed = client.close()
    await tick()
    const serverDone = closedWith(server)
    remote.write(enc.encode('pong'))
    remote.end()
    expect(dec.decode(await readAll(s))).toBe('pong')
    await clientClosed
    expect(await serverDone).toBeUndefined()
    expect(await closedWith(s)).toBeUndefined()
    expect(await closedWith(remote)).toBeUndefined()
    expect(watch.lateWrites).toBe(0)
    expect(client.error).toBeUndefined()
  })

  it('a channel EOF right after the last data and FIN is a clean close; the reader gets everything', async () => {
    // The upgrader's case: close() while a stream is open; the peer finishes the
    // stream and ends its channel; data, FIN and channel EOF arrive in one tick
    // while our reader has not read yet.
    const { client, server, clientChannel, accepted } = sessionPair()
    const watch = watchChannel(clientChannel)
    const s = await client.newStream()
    s.write(enc.encode('request'))
    s.end()
    await tick()
    const remote = accepted[0]!
    expect(dec.decode(await readAll(remote))).toBe('request')
    const closing = client.close()
    await tick()
    const clientDone = closedWith(client)
    // The server answers, finishes the stream, and (after the GoAway) ends its channel.
    remote.write(enc.encode('reply'))
    remote.end()
    await tick()
    expect(server.closed).toBe(true)
    // Only now does our application read.
    expect(dec.decode(await readAll(s))).toBe('reply')
    expect(await closedWith(s)).toBeUndefined()
    await closing
    expect(await clientDone).toBeUndefined()
    expect(watch.lateWrites).toBe(0)
  })

  it('a channel EOF with a stream still mid-transfer fails that stream and the session', async () => {
    const { client, serverChannel, accepted } = sessionPair()
    const s = await client.newStream()
    s.write(enc.encode('x'))
    await tick()
    expect(accepted).toHaveLength(1)
    const done = closedWith(client)
    serverChannel.end()
    const err = await closedWith(s)
    expect((err as { code?: string }).code).toBe('YAMUX_TRANSPORT_CLOSED')
    expect(((await done) as { code?: string }).code).toBe('YAMUX_TRANSPORT_CLOSED')
  })

  it('frames queued before the session ended (window updates, pongs, pings) are never written after end', async () => {
    const { client, server, clientChannel, serverChannel, accepted } = sessionPair()
    const cw = watchChannel(clientChannel)
    const sw = watchChannel(serverChannel)
    const streams: MuxedStream[] = []
    for (let i = 0; i < 4; i++) {
      const s = await client.newStream()
      s.write(new Uint8Array(200_000))
      streams.push(s)
    }
    await tick()
    // Reading produces window updates; a ping queues a pong; then close at once.
    for (const r of accepted) r.setSink({ onData: () => {}, onEnd: () => {} })
    const pinged = client.ping().catch(() => undefined)
    const closing = server.close({})
    client.abort(new Error('gone'))
    await closing.catch(() => undefined)
    await pinged
    await tick()
    expect(client.closed && server.closed).toBe(true)
    expect(cw.lateWrites + sw.lateWrites).toBe(0)
  })

  it('a bare channel EOF with no stream open is a clean close', async () => {
    const { client, serverChannel } = sessionPair()
    const done = closedWith(client)
    serverChannel.end()
    expect(await done).toBeUndefined()
    await expect(client.newStream()).rejects.toSatisfy(
      (e) => (e as { code?: string }).code === 'YAMUX_SESSION_CLOSED',
    )
  })

  it('a channel ended by someone else: the next flush fails the session with a typed error, nothing thrown', async () => {
    const { client, clientChannel } = sessionPair()
    const s = await client.newStream()
    clientChannel.end() // not the session's doing
    const failed = closedWith(client)
    s.write(enc.encode('x'))
    const err = await failed
    expect((err as { code?: string }).code).toBe('YAMUX_TRANSPORT_CLOSED')
    expect((err as Error).message).toContain('under the session')
    expect(s.closed && clientChannel.closed).toBe(true)
  })

  it('a drain callback that throws fails its stream, not the event loop', async () => {
    const { client, accepted } = sessionPair({ streamWriteHighWaterMark: 1024 })
    const s = await client.newStream()
    expect(s.write(new Uint8Array(4096))).toBe(false)
    s.onceDrain(() => {
      throw new Error('drain handler bug')
    })
    await tick()
    accepted[0]?.setSink({ onData: () => {}, onEnd: () => {} })
    const err = await closedWith(s)
    expect((err as { code?: string }).code).toBe('STREAM_SINK_THREW')
    expect(client.closed).toBe(false)
  })
})
