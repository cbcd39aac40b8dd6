/**
 * The compliance suite of the byte-stream contract (`ByteStream`, documented in
 * `@switchyard/interface` byte-stream.ts). Every implementation runs it against a
 * connected pair of its streams: the in-memory pair, TCP sockets, Noise channels,
 * Yamux streams. It uses only the public contract and the helpers of
 * `@switchyard/interface`, never an implementation's internals.
 *
 * Each clause of the contract has a test whose name quotes it. Tests that check
 * that something does NOT happen (no drain while nobody reads) wait `settleMs` of
 * wall time for it; nothing asserts how long anything took.
 */
import {
  type ByteSink,
  type ByteStream,
  iterateStream,
  readAll,
  StreamError,
  SwitchyardError,
  streamClosed,
  waitForDrain,
  writeAll,
} from '@switchyard/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { garbage } from './duplex-pair.js'
import { firstDifference, RecordingSink, settle, whenClosed } from './suite-helpers.js'

/** A connected pair: bytes written on `a` are read on `b` and vice versa. */
export interface ByteStreamPair {
  a: ByteStream
  b: ByteStream
  /** Releases whatever the factory opened (sockets, listeners). Runs after each test. */
  cleanup?: () => Promise<void>
}

/** Makes a fresh connected pair for each test. */
export type ByteStreamPairFactory = () => Promise<ByteStreamPair>

/** Tuning for implementations with other limits; the defaults suit most. */
export interface ByteStreamSuiteOptions {
  /** Bytes sent each way in the large-transfer test. Default 1 MiB + 7. */
  largeBytes?: number
  /**
   * A single write this large must return `false` (it is above any write
   * high-water mark of the implementation). Default 4 MiB.
   */
  oversizedWriteBytes?: number
  /** Number of writes in the many-small-writes test. Default 4000. */
  smallWrites?: number
  /** Wall time to wait when checking that nothing happens (no drain), ms. Default 50. */
  settleMs?: number
  /** Upper bound on what a writer may get accepted while nobody reads. Default 32 MiB. */
  maxBufferedBytes?: number
}

/** The defaults of `ByteStreamSuiteOptions`. */
export const byteStreamSuiteDefaults = {
  largeBytes: 1024 * 1024 + 7,
  oversizedWriteBytes: 4 * 1024 * 1024,
  smallWrites: 4000,
  settleMs: 50,
  maxBufferedBytes: 32 * 1024 * 1024,
} as const

const enc = new TextEncoder()
const dec = new TextDecoder()

/**
 * Registers a vitest `describe` block checking every clause of the byte-stream
 * contract against pairs from `factory` (a new pair per test; both streams are
 * destroyed and `cleanup` runs after each test).
 */
export function runByteStreamSuite(
  name: string,
  factory: ByteStreamPairFactory,
  options: ByteStreamSuiteOptions = {},
): void {
  const o = { ...byteStreamSuiteDefaults, ...options }

  describe(`ByteStream contract: ${name}`, () => {
    const opened: ByteStreamPair[] = []

    const open = async (): Promise<{ a: ByteStream; b: ByteStream }> => {
      const pair = await factory()
      opened.push(pair)
      return pair
    }

    afterEach(async () => {
      const pairs = opened.splice(0)
      for (const p of pairs) {
        p.a.destroy()
        p.b.destroy()
        await p.cleanup?.()
      }
    })

    /** Sends `data` from `from` in pieces of `pieceBytes` (views with byteOffset ≠ 0), respecting drain. */
    const send = async (
      from: ByteStream,
      data: Uint8Array,
      pieceBytes: number,
      end = true,
    ): Promise<void> => {
      const pieces: Uint8Array[] = []
      for (let i = 0; i < data.byteLength; i += pieceBytes) pieces.push(data.subarray(i, i + pieceBytes))
      await writeAll(from, pieces, { end })
    }

    const expectBytes = (actual: Uint8Array, expected: Uint8Array) => {
      const at = firstDifference(actual, expected)
      expect(
        at,
        `first difference at byte ${at} (got ${actual.byteLength} of ${expected.byteLength} bytes)`,
      ).toBe(-1)
    }

    /** Writes on `a` (which nobody reads) until the sender stops; returns what was written. */
    const fillUntilStopped = async (a: ByteStream): Promise<Uint8Array[]> => {
      const written: Uint8Array[] = []
      let total = 0
      let seed = 1
      while (total <= o.maxBufferedBytes) {
        const chunk = garbage(16 * 1024, seed++)
        written.push(chunk)
        total += chunk.byteLength
        if (a.write(chunk.slice())) {
          // Let the implementation move the bytes along before writing more.
          await new Promise<void>((r) => setImmediate(r))
          continue
        }
        let drained = false
        const off = a.onceDrain(() => {
          drained = true
        })
        await settle(o.settleMs)
        off()
        if (!drained) return written
      }
      throw new Error(`the sender never stopped: ${total} bytes accepted while nobody read`)
    }

    const join = (chunks: Uint8Array[]): Uint8Array => {
      const total = chunks.reduce((n, c) => n + c.byteLength, 0)
      const out = new Uint8Array(total)
      let offset = 0
      for (const c of chunks) {
        out.set(c, offset)
        offset += c.byteLength
      }
      return out
    }

    describe('data', () => {
      it('delivers a message a→b and b→a', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        const atA = new RecordingSink()
        b.setSink(atB)
        a.setSink(atA)
        expect(a.write(enc.encode('ping'))).toBe(true)
        await atB.untilBytes(4)
        expect(dec.decode(atB.bytes())).toBe('ping')
        b.write(enc.encode('pong'))
        await atA.untilBytes(4)
        expect(dec.decode(atA.bytes())).toBe('pong')
        expect([...atA.violations, ...atB.violations]).toEqual([])
      })

      it(`delivers ${o.largeBytes} bytes both ways at once, intact and in order, then closes cleanly`, async () => {
        const { a, b } = await open()
        const ab = garbage(o.largeBytes, 11)
        const ba = garbage(o.largeBytes, 22)
        const atA = new RecordingSink()
        const atB = new RecordingSink()
        a.setSink(atA)
        b.setSink(atB)
        const closedA = whenClosed(a)
        const closedB = whenClosed(b)
        // Odd piece sizes so that chunk and frame boundaries never line up.
        await Promise.all([send(a, ab, 65_537), send(b, ba, 3_001)])
        await Promise.all([atA.untilEnd(), atB.untilEnd()])
        expectBytes(atB.bytes(), ab)
        expectBytes(atA.bytes(), ba)
        expect(await closedA).toBeUndefined()
        expect(await closedB).toBeUndefined()
        expect([...atA.violations, ...atB.violations]).toEqual([])
      })

      it(`keeps the order of ${o.smallWrites} small writes`, async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        const pieces: Uint8Array[] = []
        for (let i = 0; i < o.smallWrites; i++) pieces.push(garbage(1 + (i % 13), i + 1))
        const expected = join(pieces)
        for (const p of pieces) {
          if (!a.write(p)) await waitForDrain(a)
        }
        a.end()
        await atB.untilEnd()
        expectBytes(atB.bytes(), expected)
        expect(atB.violations).toEqual([])
      })

      it('accepts any Uint8Array view (byteOffset ≠ 0, Buffer) and an empty write, never delivers an empty chunk', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        const backing = enc.encode('..hello..')
        a.write(new Uint8Array(0))
        a.write(backing.subarray(2, 7))
        a.write(Buffer.from(' world'))
        a.write(new Uint8Array(0))
        a.end()
        await atB.untilEnd()
        expect(dec.decode(atB.bytes())).toBe('hello world')
        expect(atB.violations).toEqual([])
      })

      it('write() of something that is not a Uint8Array throws a TypeError', async () => {
        const { a } = await open()
        expect(() => a.write('text' as unknown as Uint8Array)).toThrow(TypeError)
      })
    })

    describe('backpressure', () => {
      it('write() returns false at the high-water mark, and drain fires once the reader took the bytes', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        const big = garbage(o.oversizedWriteBytes, 5)
        expect(a.write(big.slice())).toBe(false)
        expect(a.writableNeedDrain).toBe(true)
        // Still above the mark until drain: `false` again, the chunk accepted all the same.
        expect(a.write(Uint8Array.of(42))).toBe(false)
        let drains = 0
        await new Promise<void>((resolve) =>
          a.onceDrain(() => {
            drains++
            resolve()
          }),
        )
        expect(a.writableNeedDrain).toBe(false)
        a.end()
        await atB.untilEnd()
        expect(drains).toBe(1)
        const got = atB.bytes()
        expect(got.byteLength).toBe(big.byteLength + 1)
        expectBytes(got.subarray(0, big.byteLength), big)
        expect(got[big.byteLength]).toBe(42)
      })

      it('drain does not fire without a write() that returned false', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        let drained = false
        a.onceDrain(() => {
          drained = true
        })
        expect(a.write(enc.encode('small'))).toBe(true)
        expect(a.writableNeedDrain).toBe(false)
        await atB.untilBytes(5)
        await settle(o.settleMs)
        expect(drained).toBe(false)
      })

      it('a reader that is absent stops the sender: write() turns false, no drain until a reader comes, bounded buffers', async () => {
        const { a, b } = await open()
        const written = await fillUntilStopped(a)
        expect(a.writableNeedDrain).toBe(true)
        expect(a.write(Uint8Array.of(7))).toBe(false)
        written.push(Uint8Array.of(7))
        const drained = new Promise<void>((r) => a.onceDrain(r))
        const atB = new RecordingSink()
        b.setSink(atB)
        await drained
        a.end()
        await atB.untilEnd()
        expectBytes(atB.bytes(), join(written))
      })

      it('a paused reader stops the sender likewise, and resume() restarts it', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        b.pause()
        expect(b.paused).toBe(true)
        const written = await fillUntilStopped(a)
        expect(atB.length).toBe(0)
        const drained = new Promise<void>((r) => a.onceDrain(r))
        b.resume()
        expect(b.paused).toBe(false)
        await drained
        a.end()
        await atB.untilEnd()
        expectBytes(atB.bytes(), join(written))
        expect(atB.violations).toEqual([])
      })

      it('pause() inside onData stops delivery at once; resume() delivers in a microtask, not synchronously', async () => {
        const { a, b } = await open()
        const received: Uint8Array[] = []
        let afterPause = 0
        b.setSink({
          onData(chunk) {
            if (b.paused) afterPause++
            received.push(chunk)
            b.pause()
          },
          onEnd() {},
        })
        a.write(enc.encode('first'))
        await new Promise<void>((r) => {
          const poll = () => (received.length > 0 ? r() : setImmediate(poll))
          poll()
        })
        a.write(enc.encode('second'))
        a.write(enc.encode('third'))
        await settle(o.settleMs)
        expect(afterPause).toBe(0)
        const before = received.length
        b.resume()
        expect(received.length).toBe(before)
        await settle()
        expect(afterPause).toBe(0)
        expect(received.length).toBeGreaterThan(before)
      })
    })

    describe('reading', () => {
      it('buffers what arrives before a sink is installed, then delivers it and the EOF, in order', async () => {
        const { a, b } = await open()
        a.write(enc.encode('one '))
        a.write(enc.encode('two '))
        a.write(enc.encode('three'))
        a.end()
        await settle(o.settleMs)
        expect(b.readableEnded).toBe(false)
        const atB = new RecordingSink()
        b.setSink(atB)
        await atB.untilEnd()
        expect(dec.decode(atB.bytes())).toBe('one two three')
        expect(b.readableEnded).toBe(true)
        expect(atB.violations).toEqual([])
      })

      it('setSink() inside onData hands the undelivered data to the new sink', async () => {
        const { a, b } = await open()
        const data = garbage(200_000, 3)
        const first: Uint8Array[] = []
        const second = new RecordingSink()
        b.setSink({
          onData(chunk) {
            first.push(chunk)
            b.setSink(second)
          },
          onEnd() {
            first.push(enc.encode('<EOF on the old sink>'))
          },
        })
        await send(a, data, 1000)
        await second.untilEnd()
        expect(first.length).toBe(1)
        expectBytes(join([...first, second.bytes()]), data)
        expect(second.violations).toEqual([])
      })

      it('setSink(null) detaches: data buffers and goes to the next sink', async () => {
        const { a, b } = await open()
        const first = new RecordingSink()
        b.setSink(first)
        a.write(enc.encode('abc'))
        await first.untilBytes(3)
        b.setSink(null)
        a.write(enc.encode('def'))
        a.end()
        await settle(o.settleMs)
        const second = new RecordingSink()
        b.setSink(second)
        await second.untilEnd()
        expect(dec.decode(first.bytes())).toBe('abc')
        expect(dec.decode(second.bytes())).toBe('def')
        expect(first.ended).toBe(false)
      })

      it('onEnd is called once, after the last chunk; readableEnded follows it', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        expect(b.readableEnded).toBe(false)
        await send(a, garbage(100_000, 9), 777)
        await atB.untilEnd()
        await settle()
        expect(atB.length).toBe(100_000)
        expect(b.readableEnded).toBe(true)
        expect(atB.violations).toEqual([])
      })
    })

    describe('half-close and graceful close', () => {
      it('after a.end(), b sees EOF and a still reads what b writes; then both close without error', async () => {
        const { a, b } = await open()
        const atA = new RecordingSink()
        const atB = new RecordingSink()
        a.setSink(atA)
        b.setSink(atB)
        const closedA = whenClosed(a)
        const closedB = whenClosed(b)
        a.write(enc.encode('request'))
        a.end()
        expect(a.writableEnded).toBe(true)
        await atB.untilEnd()
        expect(dec.decode(atB.bytes())).toBe('request')
        expect(a.closed).toBe(false)
        expect(b.writableEnded).toBe(false)
        await send(b, garbage(300_000, 4), 4096)
        await atA.untilEnd()
        expectBytes(atA.bytes(), garbage(300_000, 4))
        expect(await closedA).toBeUndefined()
        expect(await closedB).toBeUndefined()
        expect(a.closed && b.closed).toBe(true)
        expect(a.error).toBeUndefined()
        expect(b.error).toBeUndefined()
        expect(a.readableEnded && a.writableEnded && b.readableEnded && b.writableEnded).toBe(true)
      })

      it('end() is idempotent: one EOF reaches the peer', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        a.write(enc.encode('x'))
        a.end()
        a.end()
        await atB.untilEnd()
        a.end()
        await settle()
        expect(atB.violations).toEqual([])
        expect(dec.decode(atB.bytes())).toBe('x')
      })

      it("write() after end() throws StreamError('STREAM_WRITE_AFTER_END')", async () => {
        const { a } = await open()
        a.end()
        let thrown: unknown
        try {
          a.write(enc.encode('late'))
        } catch (err) {
          thrown = err
        }
        expect(SwitchyardError.is(thrown, 'STREAM_WRITE_AFTER_END')).toBe(true)
        expect(thrown).toBeInstanceOf(StreamError)
      })

      it('close callbacks run once; onceClosed after close runs in a microtask', async () => {
        const { a, b } = await open()
        let calls = 0
        a.onceClosed(() => calls++)
        a.setSink(new RecordingSink())
        b.setSink(new RecordingSink())
        a.end()
        b.end()
        await whenClosed(a)
        await whenClosed(b)
        expect(calls).toBe(1)
        let late = 0
        let lateErr: Error | undefined = new Error('not called')
        a.onceClosed((err) => {
          late++
          lateErr = err
        })
        expect(late).toBe(0)
        await new Promise<void>((r) => queueMicrotask(r))
        expect(late).toBe(1)
        expect(lateErr).toBeUndefined()
        const off = a.onceClosed(() => late++)
        off()
        await settle()
        expect(late).toBe(1)
        expect(calls).toBe(1)
      })

      it('write() after a graceful close returns false and does not throw', async () => {
        const { a, b } = await open()
        a.setSink(new RecordingSink())
        b.setSink(new RecordingSink())
        a.end()
        b.end()
        await whenClosed(a)
        expect(a.write(enc.encode('late'))).toBe(false)
      })
    })

    describe('destroy and errors', () => {
      it('destroy(err) closes at once with err: close callbacks once, state flags set, idempotent', async () => {
        const { a } = await open()
        const seen: Array<Error | undefined> = []
        a.onceClosed((err) => seen.push(err))
        const err = new Error('boom')
        a.destroy(err)
        expect(a.closed).toBe(true)
        expect(a.error).toBe(err)
        expect(a.writableEnded).toBe(true)
        expect(a.readableEnded).toBe(true)
        a.destroy(new Error('second'))
        a.destroy()
        await settle()
        expect(seen).toEqual([err])
        expect(a.error).toBe(err)
        expect(await whenClosed(a)).toBe(err)
      })

      it('destroy() reaches the peer: it sees an error or EOF, and then closes', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        a.write(enc.encode('bye'))
        await atB.untilBytes(3)
        const closedB = whenClosed(b)
        a.destroy()
        await Promise.race([closedB, atB.untilEnd()])
        if (!b.closed) {
          // The peer saw EOF (a TCP FIN): once it ends too, it closes.
          b.end()
        }
        await closedB
        expect(b.closed).toBe(true)
        // Writing to a stream whose peer is gone never throws.
        expect(b.write(enc.encode('anyone?'))).toBe(false)
        expect(atB.violations).toEqual([])
      })

      it('destroy() discards queued writes and unread data; no drain and no onEnd after it', async () => {
        const { a, b } = await open()
        const atA = new RecordingSink()
        a.setSink(atA)
        a.pause()
        b.write(enc.encode('unread'))
        b.end()
        expect(a.write(garbage(o.oversizedWriteBytes, 1))).toBe(false)
        let drained = false
        a.onceDrain(() => {
          drained = true
        })
        await settle(o.settleMs)
        a.destroy(new Error('stop'))
        a.resume()
        await settle(o.settleMs)
        expect(drained).toBe(false)
        expect(atA.length).toBe(0)
        expect(atA.ended).toBe(false)
        expect(a.write(enc.encode('late'))).toBe(false)
        await expect(waitForDrain(a)).rejects.toThrow('stop')
        a.onceDrain(() => {
          drained = true
        })
        await settle()
        expect(drained).toBe(false)
      })

      it('onceDrain and onceClosed return functions that unregister the callback', async () => {
        const { a, b } = await open()
        const atB = new RecordingSink()
        b.setSink(atB)
        let drained = false
        let closed = false
        expect(a.write(garbage(o.oversizedWriteBytes, 2))).toBe(false)
        const offDrain = a.onceDrain(() => {
          drained = true
        })
        const offClosed = a.onceClosed(() => {
          closed = true
        })
        offDrain()
        offClosed()
        const drain = new Promise<void>((r) => a.onceDrain(r))
        await drain
        a.destroy()
        await settle()
        expect(drained).toBe(false)
        expect(closed).toBe(false)
      })

      it("a sink that throws destroys the stream with StreamError('STREAM_SINK_THREW'), keeping the cause", async () => {
        const { a, b } = await open()
        const thrown = new Error('handler bug')
        b.setSink({
          onData() {
            throw thrown
          },
          onEnd() {},
        })
        const closedB = whenClosed(b)
        a.write(enc.encode('trigger'))
        const err = await closedB
        expect(SwitchyardError.is(err, 'STREAM_SINK_THREW')).toBe(true)
        expect(err?.cause).toBe(thrown)
        expect(b.error).toBe(err)
        // The exception did not unwind into the sender: it is alive until told otherwise.
        const atA = new RecordingSink()
        a.setSink(atA)
        await Promise.race([whenClosed(a), atA.untilEnd()])
      })

      it("a sink whose onEnd throws destroys the stream with StreamError('STREAM_SINK_THREW')", async () => {
        const { a, b } = await open()
        const thrown = new Error('onEnd bug')
        b.setSink({
          onData() {},
          onEnd() {
            throw thrown
          },
        })
        const closedB = whenClosed(b)
        a.end()
        const err = await closedB
        expect(SwitchyardError.is(err, 'STREAM_SINK_THREW')).toBe(true)
        expect(err?.cause).toBe(thrown)
      })
    })

    describe('async iteration', () => {
      it('for await yields every chunk until EOF', async () => {
        const { a, b } = await open()
        const data = garbage(200_000, 8)
        const sending = send(a, data, 5000)
        const got: Uint8Array[] = []
        for await (const chunk of b) got.push(chunk)
        await sending
        expectBytes(join(got), data)
        expect(b.readableEnded).toBe(true)
      })

      it('break detaches without destroying; the next reader gets the rest', async () => {
        const { a, b } = await open()
        const data = garbage(150_000, 6)
        const sending = send(a, data, 1000)
        const got: Uint8Array[] = []
        let n = 0
        for await (const chunk of b) {
          got.push(chunk)
          n += chunk.byteLength
          if (n >= 10_000) break
        }
        expect(b.closed).toBe(false)
        const rest = await readAll(b)
        await sending
        expectBytes(join([...got, rest]), data)
      })

      it("the iterator throws the stream's error", async () => {
        const { a, b } = await open()
        const err = new Error('reset by owner')
        a.write(enc.encode('some'))
        const iter = iterateStream(b)
        const first = await iter.next()
        expect(first.done).toBe(false)
        const pending = iter.next()
        b.destroy(err)
        await expect(pending).rejects.toBe(err)
      })

      it('a slow loop backpressures the sender', async () => {
        const { a, b } = await open()
        const iter = iterateStream(b)
        a.write(enc.encode('go'))
        await iter.next()
        // The loop is "busy": nobody calls next().
        const written = await fillUntilStopped(a)
        const drained = new Promise<void>((r) => a.onceDrain(r))
        const total = written.reduce((n, c) => n + c.byteLength, 0)
        let got = 0
        while (got < total) {
          const r = await iter.next()
          if (r.done === true) break
          got += r.value.byteLength
        }
        await drained
        expect(got).toBe(total)
        await iter.return?.()
      })
    })

    describe('AbortSignal on helpers', () => {
      it('readAll rejects with signal.reason, already aborted or aborted while reading', async () => {
        const { a, b } = await open()
        const reason = new Error('give up')
        await expect(readAll(b, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
        const ac = new AbortController()
        const reading = readAll(b, { signal: ac.signal })
        await settle()
        ac.abort(reason)
        await expect(reading).rejects.toBe(reason)
        // The stream is not destroyed: another reader takes over.
        expect(b.closed).toBe(false)
        a.write(enc.encode('more'))
        a.end()
        expect(dec.decode(await readAll(b))).toBe('more')
      })

      it('readAll rejects with STREAM_READ_LIMIT past maxBytes and destroys the stream', async () => {
        const { a, b } = await open()
        const reading = readAll(b, { maxBytes: 1000 })
        a.write(garbage(5000, 1))
        const err = await reading.catch((e: unknown) => e)
        expect(SwitchyardError.is(err, 'STREAM_READ_LIMIT')).toBe(true)
        expect(b.closed).toBe(true)
      })

      it('waitForDrain rejects with signal.reason and stops listening', async () => {
        const { a } = await open()
        const reason = new Error('drain timeout')
        await fillUntilStopped(a)
        await expect(waitForDrain(a, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
        const ac = new AbortController()
        const waiting = waitForDrain(a, { signal: ac.signal })
        ac.abort(reason)
        await expect(waiting).rejects.toBe(reason)
      })

      it('writeAll rejects with signal.reason when the reader stalls', async () => {
        const { a } = await open()
        const reason = new Error('write timeout')
        const ac = new AbortController()
        function* forever() {
          for (let i = 1; ; i++) yield garbage(16 * 1024, i)
        }
        const writing = writeAll(a, forever(), { signal: ac.signal })
        await settle(o.settleMs)
        ac.abort(reason)
        await expect(writing).rejects.toBe(reason)
        expect(a.writableEnded).toBe(false)
      })

      it('iterateStream rejects with signal.reason', async () => {
        const { a, b } = await open()
        const reason = new Error('read timeout')
        const ac = new AbortController()
        const iter = iterateStream(b, { signal: ac.signal })
        a.write(enc.encode('x'))
        expect((await iter.next()).done).toBe(false)
        const pending = iter.next()
        ac.abort(reason)
        await expect(pending).rejects.toBe(reason)
        await expect(iterateStream(b, { signal: AbortSignal.abort(reason) }).next()).rejects.toBe(reason)
      })

      it('streamClosed resolves on a graceful close and rejects with the error otherwise', async () => {
        const { a, b } = await open()
        a.setSink(new RecordingSink())
        b.setSink(new RecordingSink())
        const closedA = streamClosed(a)
        a.end()
        b.end()
        await expect(closedA).resolves.toBeUndefined()
        const second = await open()
        const err = new Error('dead')
        const failing = streamClosed(second.a)
        second.a.destroy(err)
        await expect(failing).rejects.toBe(err)
        const reason = new Error('stop waiting')
        await expect(streamClosed(second.b, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      })
    })
  })
}

/** A `ByteSink` that drops everything (for tests that only need the stream to flow). */
export const discardSink: ByteSink = { onData() {}, onEnd() {} }
