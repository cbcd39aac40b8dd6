import { readAll, SwitchyardError, writeAll } from '@switchyard/interface'
import { duplexPair, garbage, RecordingSink } from '@switchyard/testkit'
import { describe, expect, it } from 'vitest'
import { caught, makePeer, securePair } from '../test/helpers.js'
import type { NoiseCrypto } from './crypto.js'
import { nodeNoiseCrypto } from './crypto-node.js'
import { createNoise, defaults, NoiseError } from './index.js'

const Y = '/yamux/1.0.0'
const M = '/mplex/6.7.0'

describe('createNoise', () => {
  it('validates its init', () => {
    expect(() => createNoise({} as never)).toThrow(TypeError)
    const privateKey = makePeer().key
    expect(() => createNoise({ privateKey, handshakeTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => createNoise({ privateKey, staticNoiseKey: new Uint8Array(5) })).toThrow(RangeError)
    expect(() => createNoise({ privateKey, muxers: [''] })).toThrow(TypeError)
    expect(() => createNoise({ privateKey, crypto: 'nope' as never })).toThrow(RangeError)
    expect(createNoise({ privateKey }).protocol).toBe('/noise')
    expect(defaults.handshakeTimeoutMs).toBe(10_000)
  })
})

describe.each([
  ['node', 'node'],
  ['noble', 'noble'],
  ['node', 'noble'],
  ['noble', 'node'],
] as const)('handshake (initiator %s, responder %s)', (ic, rc) => {
  it('authenticates both peers and carries data both ways', async () => {
    const alice = makePeer({ crypto: ic })
    const bob = makePeer({ crypto: rc })
    expect(alice.noise.cryptoName).toBe(ic)
    const { client, server } = await securePair(alice, bob)
    expect(client.remotePeer.equals(bob.peerId)).toBe(true)
    expect(server.remotePeer.equals(alice.peerId)).toBe(true)
    expect(client.muxer).toBeUndefined()
    const big = garbage(300_000, 3)
    const [fromClient, fromServer] = await Promise.all([
      readAll(server.stream),
      readAll(client.stream),
      writeAll(client.stream, [new TextEncoder().encode('hello'), big]),
      writeAll(server.stream, [big.subarray(7)]),
    ])
    expect(Buffer.from(fromClient).equals(Buffer.concat([Buffer.from('hello'), big]))).toBe(true)
    expect(Buffer.from(fromServer).equals(Buffer.from(big.subarray(7)))).toBe(true)
  })
})

describe('ephemeral keys made ahead', () => {
  it('from the second handshake on, a spare key is made after the handshake started; every handshake has its own', async () => {
    const base = nodeNoiseCrypto!
    const made: Uint8Array[] = []
    const crypto = Object.assign(Object.create(base) as NoiseCrypto, {
      generateKeyPair: () => {
        const k = base.generateKeyPair()
        made.push(k.publicKey)
        return k
      },
    })
    const alice = makePeer({ crypto })
    const bob = makePeer()
    const sentEphemerals: string[] = []
    for (let i = 0; i < 4; i++) {
      const before = made.length
      const [a, b] = duplexPair()
      const first = new RecordingSink()
      // The initiator's first message (the ephemeral key) is written synchronously.
      const write = a.write.bind(a)
      a.write = (chunk: Uint8Array) => {
        if (first.chunks.length === 0) first.onData(chunk.slice())
        return write(chunk)
      }
      const done = Promise.all([alice.noise.secureOutbound(a), bob.noise.secureInbound(b)])
      // Handshakes 1 and 2 make their key on the spot; 3 and 4 take the spare made after the previous one started.
      expect(made.length - before).toBe(i < 2 ? 1 : 0)
      sentEphemerals.push(Buffer.from(first.chunks[0]!.subarray(2)).toString('hex'))
      await done
      await new Promise((r) => setImmediate(r))
      // A spare is made once this instance has started its second handshake.
      expect(made.length - before).toBe(i === 0 ? 1 : i === 1 ? 2 : 1)
    }
    expect(new Set(sentEphemerals).size).toBe(4)
    // made[0] is the static key; then the keys of handshakes 1 and 2 and the spares, in the order used.
    expect(made.slice(1, 5).map((k) => Buffer.from(k).toString('hex'))).toEqual(sentEphemerals)
  })
})

describe('early muxer negotiation', () => {
  it.each([
    [[Y, M], [M, Y], Y],
    [[M, Y], [Y, M], M],
    [[Y], [M, Y], Y],
    [[Y], [], undefined],
    [[], [Y], undefined],
  ])('client %j, server %j → %s on both sides', async (cm, sm, agreed) => {
    const { client, server } = await securePair(makePeer(), makePeer(), {
      clientMuxers: cm,
      serverMuxers: sm,
    })
    expect(client.muxer).toBe(agreed)
    expect(server.muxer).toBe(agreed)
    expect(client.remoteExtensions.streamMuxers).toEqual(sm)
  })

  it('uses the init muxers when a call passes none', async () => {
    const { client, server } = await securePair(makePeer({ muxers: [Y] }), makePeer({ muxers: [M, Y] }))
    expect([client.muxer, server.muxer]).toEqual([Y, Y])
  })

  it('fails on both sides with NOISE_NO_COMMON_MUXER when the lists are disjoint', async () => {
    const err = await caught(securePair(makePeer(), makePeer(), { clientMuxers: [Y], serverMuxers: [M] }))
    expect(NoiseError.is(err, 'NOISE_NO_COMMON_MUXER')).toBe(true)
  })

  it('exposes webtransport certhashes', async () => {
    const hash = new Uint8Array([0x12, 0x20, ...new Array(32).fill(1)])
    const { client } = await securePair(makePeer(), makePeer({ webtransportCerthashes: [hash] }))
    expect(client.remoteExtensions.webtransportCerthashes).toEqual([hash])
  })
})

describe('peer id checks', () => {
  it('rejects an unexpected remote peer with NOISE_UNEXPECTED_PEER and destroys the stream', async () => {
    const alice = makePeer()
    const bob = makePeer()
    const mallory = makePeer()
    const { duplexPair } = await import('@switchyard/testkit')
    const [a, b] = duplexPair()
    const [out, inn] = await Promise.allSettled([
      alice.noise.secureOutbound(a, { remotePeer: mallory.peerId }),
      bob.noise.secureInbound(b),
    ])
    expect(out.status === 'rejected' && NoiseError.is(out.reason, 'NOISE_UNEXPECTED_PEER')).toBe(true)
    expect(inn.status).toBe('rejected')
    expect(a.closed && b.closed).toBe(true)
  })
})

describe('secure channel', () => {
  it('splits large writes into frames of at most 65535 bytes and coalesces small ones', async () => {
    const { client, server, rawClient } = await securePair(makePeer(), makePeer())
    const wire = new RecordingSink()
    // Watch what the client puts on the wire through the raw stream's byte counter.
    const before = (rawClient as unknown as { bytesWritten: number }).bytesWritten
    const sink = new RecordingSink()
    server.stream.setSink(sink)
    for (let i = 0; i < 100; i++) client.stream.write(new Uint8Array([i]))
    await sink.untilBytes(100)
    // 100 one-byte writes in one tick: one frame (2 + 100 + 16 bytes).
    expect((rawClient as unknown as { bytesWritten: number }).bytesWritten - before).toBe(118)
    expect(sink.chunks.length).toBe(1)
    const big = garbage(200_000, 9)
    const before2 = (rawClient as unknown as { bytesWritten: number }).bytesWritten
    client.stream.write(big)
    await sink.untilBytes(100 + 200_000)
    const frames = Math.ceil(200_000 / 65519)
    expect((rawClient as unknown as { bytesWritten: number }).bytesWritten - before2).toBe(
      200_000 + frames * 18,
    )
    expect(sink.chunks.slice(1).map((c) => c.byteLength)).toEqual([65519, 65519, 65519, 200_000 - 3 * 65519])
    expect(wire.violations).toEqual([])
  })

  describe.each(['node', 'noble'] as const)('to a stream that gathers (writev), %s crypto', (crypto) => {
    it('large batches leave as one writev of uncopied pieces; small ones as one joined write', async () => {
      const { client, server, rawClient } = await securePair(makePeer({ crypto }), makePeer({ crypto }))
      const writes: number[] = []
      const writevs: number[][] = []
      const original = rawClient.write.bind(rawClient)
      rawClient.write = (chunk: Uint8Array) => {
        writes.push(chunk.byteLength)
        return original(chunk)
      }
      rawClient.writev = (chunks: readonly Uint8Array[]) => {
        writevs.push(chunks.map((c) => c.byteLength))
        let ok = true
        for (const c of chunks) ok = original(c)
        return ok
      }
      const sink = new RecordingSink()
      server.stream.setSink(sink)
      // One tick: a big chunk, many tiny ones (a frame of more than 8 pieces is
      // joined), another big one; then, alone, a small write.
      const sent: Uint8Array[] = [garbage(150_000, 1)]
      for (let i = 0; i < 20; i++) sent.push(new Uint8Array([i]))
      sent.push(garbage(100_000, 2))
      for (const c of sent) client.stream.write(c)
      const total = 250_020
      await sink.untilBytes(total)
      const frames = Math.ceil(total / 65519)
      expect(writevs.length).toBe(1)
      expect(writevs[0]!.reduce((a, b) => a + b, 0)).toBe(total + frames * 18)
      expect(writes).toEqual([])
      expect(Buffer.concat(sink.chunks).equals(Buffer.concat(sent))).toBe(true)
      if (crypto === 'node') {
        // Per frame: its 2-byte length, ciphertext pieces (no joined copy), its 16-byte tag.
        expect(writevs[0]![0]).toBe(2)
        expect(writevs[0]!.filter((n) => n === 2).length).toBe(frames)
        expect(writevs[0]!.filter((n) => n === 16).length).toBe(frames)
      }
      client.stream.write(new Uint8Array(100))
      await sink.untilBytes(total + 100)
      expect(writes).toEqual([2 + 100 + 16])
      expect(writevs.length).toBe(1)
    })
  })

  it('frames queued in the same tick go out in one write of the stream below', async () => {
    const { client, server, rawClient } = await securePair(makePeer(), makePeer())
    const writes: number[] = []
    const original = rawClient.write.bind(rawClient)
    rawClient.write = (chunk: Uint8Array) => {
      writes.push(chunk.byteLength)
      return original(chunk)
    }
    const sink = new RecordingSink()
    server.stream.setSink(sink)
    client.stream.write(garbage(150_000, 1))
    client.stream.write(new Uint8Array(10))
    client.stream.write(garbage(100_000, 2))
    await sink.untilBytes(250_010)
    const frames = Math.ceil(250_010 / 65519)
    expect(writes).toEqual([250_010 + frames * 18])
  })

  it('channels written in the same tick each flush once, in one shared microtask, and flush again later', async () => {
    const pairs = await Promise.all([0, 1, 2].map(() => securePair(makePeer(), makePeer())))
    const writes = pairs.map(() => [] as number[])
    const sinks = pairs.map(({ server, rawClient }, i) => {
      const original = rawClient.write.bind(rawClient)
      rawClient.write = (chunk: Uint8Array) => {
        writes[i]!.push(chunk.byteLength)
        return original(chunk)
      }
      const sink = new RecordingSink()
      server.stream.setSink(sink)
      return sink
    })
    for (const { client } of pairs) {
      client.stream.write(new Uint8Array(10))
      client.stream.write(new Uint8Array(20))
    }
    expect(writes).toEqual([[], [], []])
    await Promise.resolve()
    expect(writes).toEqual([[2 + 30 + 16], [2 + 30 + 16], [2 + 30 + 16]])
    pairs[1]!.client.stream.write(new Uint8Array(5))
    await Promise.all(sinks.map((sink, i) => sink.untilBytes(i === 1 ? 35 : 30)))
    expect(writes).toEqual([[48], [48, 2 + 5 + 16], [48]])
  })

  it('closes gracefully when both sides end', async () => {
    const { client, server, rawClient, rawServer } = await securePair(makePeer(), makePeer())
    const p1 = readAll(server.stream)
    const p2 = readAll(client.stream)
    client.stream.end()
    server.stream.end()
    await Promise.all([p1, p2])
    await new Promise((r) => setTimeout(r, 0))
    expect(client.stream.closed && server.stream.closed).toBe(true)
    expect(client.stream.error).toBeUndefined()
    expect(rawClient.closed && rawServer.closed).toBe(true)
    expect(rawClient.error).toBeUndefined()
  })

  it('destroying the channel destroys the underlying stream and vice versa', async () => {
    const s1 = await securePair(makePeer(), makePeer())
    const err = new Error('bye')
    s1.client.stream.destroy(err)
    expect(s1.rawClient.closed).toBe(true)
    const s2 = await securePair(makePeer(), makePeer())
    s2.rawServer.destroy(new Error('below'))
    expect(s2.server.stream.closed).toBe(true)
    expect(SwitchyardError.is(s2.server.stream.error) || s2.server.stream.error?.message === 'below').toBe(
      true,
    )
  })
})
