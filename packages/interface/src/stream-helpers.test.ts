import { describe, expect, it, vi } from 'vitest'
import { LoopbackStream, tick } from '../test/loopback-stream.js'
import { SwitchyardError } from './errors.js'
import {
  concat,
  iterateStream,
  readAll,
  streamClosed,
  toAsyncIterable,
  waitForDrain,
  writeAll,
} from './stream-helpers.js'

const enc = new TextEncoder()
const dec = new TextDecoder()
const bytes = (s: string) => enc.encode(s)

describe('readAll', () => {
  it('joins everything up to EOF', async () => {
    const s = new LoopbackStream()
    const reading = readAll(s)
    s.feed(bytes('hello '))
    s.feed(bytes('world'))
    s.feedEnd()
    expect(dec.decode(await reading)).toBe('hello world')
  })

  it('resumes a paused stream', async () => {
    const s = new LoopbackStream()
    s.pause()
    s.feed(bytes('x'))
    s.feedEnd()
    expect(dec.decode(await readAll(s))).toBe('x')
  })

  it('accepts exactly maxBytes and rejects one more with STREAM_READ_LIMIT, destroying the stream', async () => {
    const ok = new LoopbackStream()
    const reading = readAll(ok, { maxBytes: 4 })
    ok.feed(bytes('ab'))
    ok.feed(bytes('cd'))
    ok.feedEnd()
    expect(dec.decode(await reading)).toBe('abcd')

    const s = new LoopbackStream()
    const over = readAll(s, { maxBytes: 4 })
    s.feed(bytes('abc'))
    s.feed(bytes('de'))
    const err = await over.catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'STREAM_READ_LIMIT')).toBe(true)
    expect(s.closed).toBe(true)
    expect(s.error).toBe(err)
  })

  it('rejects bad maxBytes with a RangeError', () => {
    const s = new LoopbackStream()
    expect(() => readAll(s, { maxBytes: -1 })).toThrow(RangeError)
    expect(() => readAll(s, { maxBytes: 1.5 })).toThrow(RangeError)
  })

  it("rejects with the stream's error", async () => {
    const s = new LoopbackStream()
    const reading = readAll(s)
    const err = new Error('network')
    s.done(err)
    await expect(reading).rejects.toBe(err)
  })

  it('rejects with STREAM_DESTROYED when destroyed without an error before EOF', async () => {
    const s = new LoopbackStream()
    const reading = readAll(s)
    s.feed(bytes('partial'))
    s.destroy()
    const err = await reading.catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'STREAM_DESTROYED')).toBe(true)
  })

  it('rejects when the stream is already closed', async () => {
    const s = new LoopbackStream()
    const err = new Error('gone')
    s.destroy(err)
    await expect(readAll(s)).rejects.toBe(err)
  })

  it('rejects with signal.reason, already aborted or later, and detaches', async () => {
    const s = new LoopbackStream()
    const reason = new Error('abort')
    await expect(readAll(s, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    const ac = new AbortController()
    const reading = readAll(s, { signal: ac.signal })
    ac.abort(reason)
    await expect(reading).rejects.toBe(reason)
    expect(s.closed).toBe(false)
    s.feed(bytes('later'))
    s.feedEnd()
    expect(dec.decode(await readAll(s))).toBe('later')
  })
})

describe('waitForDrain', () => {
  it('resolves at once when no drain is needed', async () => {
    await waitForDrain(new LoopbackStream())
  })

  it('resolves at the next drain', async () => {
    const s = new LoopbackStream({ writableHighWaterMark: 4 })
    expect(s.write(bytes('12345'))).toBe(false)
    let done = false
    const waiting = waitForDrain(s).then(() => {
      done = true
    })
    await tick()
    expect(done).toBe(false)
    s.flush()
    await waiting
    expect(s.writableNeedDrain).toBe(false)
  })

  it('rejects with the error when the stream closes first', async () => {
    const s = new LoopbackStream({ writableHighWaterMark: 4 })
    s.write(bytes('12345'))
    const waiting = waitForDrain(s)
    const err = new Error('dead')
    s.destroy(err)
    await expect(waiting).rejects.toBe(err)
    await expect(waitForDrain(s)).rejects.toBe(err)
    const quiet = new LoopbackStream()
    quiet.destroy()
    const e2 = await waitForDrain(quiet).catch((e: unknown) => e)
    expect(SwitchyardError.is(e2, 'STREAM_DESTROYED')).toBe(true)
  })

  it('rejects with signal.reason and unregisters its callbacks', async () => {
    const s = new LoopbackStream({ writableHighWaterMark: 4 })
    s.write(bytes('12345'))
    const reason = new Error('stop')
    await expect(waitForDrain(s, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    const ac = new AbortController()
    const onceDrain = vi.spyOn(s, 'onceDrain')
    const waiting = waitForDrain(s, { signal: ac.signal })
    ac.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    // The drain callback was unregistered: a later drain reaches only new waiters.
    const off = onceDrain.mock.results[0]!.value as () => void
    expect(typeof off).toBe('function')
    let later = false
    s.onceDrain(() => {
      later = true
    })
    s.flush()
    expect(later).toBe(true)
  })
})

describe('writeAll', () => {
  it('writes every chunk, waiting for drain when asked, then ends', async () => {
    const s = new LoopbackStream({ writableHighWaterMark: 5 })
    const sent: Uint8Array[] = []
    const writing = writeAll(s, [bytes('abc'), bytes('def'), bytes('ghi')])
    await tick()
    // 'abc' + 'def' crossed the mark: writeAll waits.
    expect(s.writtenBytes).toBe(6)
    expect(s.ended).toBe(0)
    sent.push(...s.flush())
    await tick()
    sent.push(...s.flush())
    await writing
    expect(dec.decode(concat(sent))).toBe('abcdefghi')
    expect(s.ended).toBe(1)
  })

  it('takes an async iterable and end: false', async () => {
    const s = new LoopbackStream()
    async function* source() {
      yield bytes('a')
      yield bytes('b')
    }
    await writeAll(s, source(), { end: false })
    expect(dec.decode(concat(s.written))).toBe('ab')
    expect(s.writableEnded).toBe(false)
  })

  it('rejects with signal.reason while waiting for drain', async () => {
    const s = new LoopbackStream({ writableHighWaterMark: 1 })
    const reason = new Error('slow')
    await expect(writeAll(s, [bytes('x')], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    const ac = new AbortController()
    const writing = writeAll(s, [bytes('a'), bytes('b')], { signal: ac.signal })
    await tick()
    ac.abort(reason)
    await expect(writing).rejects.toBe(reason)
    expect(s.ended).toBe(0)
  })

  it('rejects when the stream closes while writing', async () => {
    const s = new LoopbackStream({ writableHighWaterMark: 1 })
    const writing = writeAll(s, [bytes('a'), bytes('b')])
    await tick()
    const err = new Error('reset')
    s.done(err)
    await expect(writing).rejects.toBe(err)
  })
})

describe('iterateStream', () => {
  it('yields chunks until EOF, and is what for await uses', async () => {
    const s = new LoopbackStream()
    s.feed(bytes('a'))
    s.feed(bytes('b'))
    s.feedEnd()
    const got: string[] = []
    for await (const c of s) got.push(dec.decode(c))
    expect(got).toEqual(['a', 'b'])
  })

  it('takes nothing before the first next(), and pauses the stream between calls', async () => {
    const s = new LoopbackStream()
    const it = iterateStream(s)
    s.feed(bytes('one'))
    s.feed(bytes('two'))
    await tick()
    expect(s.readableLength).toBe(6)
    expect(dec.decode((await it.next()).value!)).toBe('one')
    await tick()
    expect(s.paused).toBe(true)
    expect(s.readableLength).toBe(3)
    expect(s.consumed).toBe(3)
  })

  it('break detaches without losing a byte: the next reader gets the rest', async () => {
    const s = new LoopbackStream()
    for (const w of ['1', '2', '3', '4']) s.feed(bytes(w))
    s.feedEnd()
    const got: string[] = []
    for await (const c of toAsyncIterable(s)) {
      got.push(dec.decode(c))
      if (got.length === 2) break
    }
    expect(s.closed).toBe(false)
    expect(s.paused).toBe(false)
    expect(dec.decode(await readAll(s))).toBe('34')
  })

  it('serves concurrent next() calls in order', async () => {
    const s = new LoopbackStream()
    const it = iterateStream(s)
    const p1 = it.next()
    const p2 = it.next()
    const p3 = it.next()
    s.feed(bytes('x'))
    s.feed(bytes('y'))
    s.feedEnd()
    const [r1, r2, r3] = await Promise.all([p1, p2, p3])
    expect(dec.decode(r1.value!)).toBe('x')
    expect(dec.decode(r2.value!)).toBe('y')
    expect(r3.done).toBe(true)
    expect((await it.next()).done).toBe(true)
  })

  it("throws the stream's error", async () => {
    const s = new LoopbackStream()
    const it = iterateStream(s)
    const pending = it.next()
    const err = new Error('reset')
    s.done(err)
    await expect(pending).rejects.toBe(err)
    await expect(it.next()).rejects.toBe(err)
  })

  it('throws STREAM_DESTROYED when the stream is destroyed without an error before EOF', async () => {
    const s = new LoopbackStream()
    const it = iterateStream(s)
    const pending = it.next()
    s.destroy()
    const err = await pending.catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'STREAM_DESTROYED')).toBe(true)
  })

  it('ends at once on a stream that already closed cleanly, throws on one that failed', async () => {
    const clean = new LoopbackStream()
    clean.setSink({ onData() {}, onEnd() {} })
    clean.feedEnd()
    clean.done()
    await tick()
    expect(clean.closed).toBe(true)
    expect((await iterateStream(clean).next()).done).toBe(true)
    const failed = new LoopbackStream()
    const err = new Error('x')
    failed.destroy(err)
    await expect(iterateStream(failed).next()).rejects.toBe(err)
  })

  it('rejects with signal.reason and detaches, leaving the stream to the next reader', async () => {
    const s = new LoopbackStream()
    const reason = new Error('timeout')
    await expect(iterateStream(s, { signal: AbortSignal.abort(reason) }).next()).rejects.toBe(reason)
    const ac = new AbortController()
    const it = iterateStream(s, { signal: ac.signal })
    const pending = it.next()
    ac.abort(reason)
    await expect(pending).rejects.toBe(reason)
    await expect(it.next()).rejects.toBe(reason)
    s.feed(bytes('still here'))
    s.feedEnd()
    expect(dec.decode(await readAll(s))).toBe('still here')
  })

  it('an iterator aborted before its first next() never attached', async () => {
    const s = new LoopbackStream()
    const ac = new AbortController()
    const it = iterateStream(s, { signal: ac.signal })
    const reason = new Error('early')
    ac.abort(reason)
    await expect(it.next()).rejects.toBe(reason)
    s.feed(bytes('z'))
    s.feedEnd()
    expect(dec.decode(await readAll(s))).toBe('z')
  })
})

describe('streamClosed', () => {
  it('resolves on a clean close, rejects with the error, rejects with signal.reason', async () => {
    const clean = new LoopbackStream()
    const p = streamClosed(clean)
    clean.destroy()
    await expect(p).resolves.toBeUndefined()
    const failing = new LoopbackStream()
    const err = new Error('x')
    const q = streamClosed(failing)
    failing.destroy(err)
    await expect(q).rejects.toBe(err)
    const reason = new Error('r')
    const ac = new AbortController()
    const r = streamClosed(new LoopbackStream(), { signal: ac.signal })
    ac.abort(reason)
    await expect(r).rejects.toBe(reason)
  })
})

describe('concat', () => {
  it('returns a single chunk as is, joins several, handles none', () => {
    const one = bytes('solo')
    expect(concat([one])).toBe(one)
    expect(dec.decode(concat([bytes('a'), bytes('bc'), new Uint8Array(0)]))).toBe('abc')
    expect(concat([]).byteLength).toBe(0)
    expect(dec.decode(concat([bytes('ab'), bytes('c')], 3))).toBe('abc')
  })
})
