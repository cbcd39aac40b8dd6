import { describe, expect, it } from 'vitest'
import { LoopbackStream, tick } from '../test/loopback-stream.js'
import { SwitchyardError } from './errors.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('ByteStreamBase', () => {
  it('validates its init and write() arguments', () => {
    expect(() => new LoopbackStream({ readableHighWaterMark: 0 })).toThrow(RangeError)
    expect(() => new LoopbackStream({ readableHighWaterMark: 1.5 })).toThrow(RangeError)
    expect(() => new LoopbackStream().write([1, 2] as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('delivers synchronously to a reading sink and counts consumption', () => {
    const s = new LoopbackStream()
    const got: string[] = []
    s.setSink({ onData: (c) => got.push(new TextDecoder().decode(c)), onEnd() {} })
    // setSink() flushes in a microtask, but with nothing queued a push goes straight through.
    expect(s.feed(bytes('now'))).toBe(true)
    expect(got).toEqual(['now'])
    expect(s.consumed).toBe(3)
  })

  it('push() returns false at the read high-water mark, and _readMore() follows the reader draining it', async () => {
    const s = new LoopbackStream({ readableHighWaterMark: 10 })
    expect(s.feed(new Uint8Array(6))).toBe(true)
    expect(s.feed(new Uint8Array(6))).toBe(false)
    expect(s.readableLength).toBe(12)
    expect(s.readMoreCalls).toBe(0)
    s.setSink({ onData() {}, onEnd() {} })
    await tick()
    expect(s.readableLength).toBe(0)
    expect(s.readMoreCalls).toBe(1)
    expect(s.consumed).toBe(12)
  })

  it('write() false sets writableNeedDrain; emitDrain() fires drain once, and only after a false', () => {
    const s = new LoopbackStream({ writableHighWaterMark: 4 })
    let drains = 0
    s.onceDrain(() => drains++)
    expect(s.write(bytes('ab'))).toBe(true)
    s.flush()
    expect(drains).toBe(0)
    expect(s.write(bytes('abcd'))).toBe(false)
    expect(s.writableNeedDrain).toBe(true)
    expect(s.write(bytes('e'))).toBe(false)
    s.flush()
    expect(drains).toBe(1)
    expect(s.writableNeedDrain).toBe(false)
    s.flush()
    expect(drains).toBe(1)
  })

  it('a push after EOF or close is refused', () => {
    const s = new LoopbackStream()
    s.feedEnd()
    expect(s.feed(bytes('late'))).toBe(false)
    const t = new LoopbackStream()
    t.destroy()
    expect(t.feed(bytes('late'))).toBe(false)
  })

  it('push() returns false when the sink destroyed the stream', () => {
    const s = new LoopbackStream()
    s.setSink({ onData: () => s.destroy(), onEnd() {} })
    expect(s.feed(bytes('x'))).toBe(false)
    expect(s.closed).toBe(true)
    expect(s.consumed).toBe(0)
  })

  it('a sink that throws in onData destroys with STREAM_SINK_THREW and the thrown value as cause', () => {
    const s = new LoopbackStream()
    const thrown = new Error('bug')
    s.setSink({
      onData() {
        throw thrown
      },
      onEnd() {},
    })
    expect(() => s.feed(bytes('x'))).not.toThrow()
    expect(SwitchyardError.is(s.error, 'STREAM_SINK_THREW')).toBe(true)
    expect(s.error?.cause).toBe(thrown)
    expect(s.destroyedWith).toEqual([s.error])
  })

  it('finish() without error waits for the reader to take every chunk and the EOF', async () => {
    const s = new LoopbackStream()
    s.feed(bytes('buffered'))
    s.done()
    await tick()
    expect(s.closed).toBe(false)
    const got: Uint8Array[] = []
    let ended = false
    s.setSink({ onData: (c) => got.push(c), onEnd: () => (ended = true) })
    await tick()
    expect(got.length).toBe(1)
    expect(ended).toBe(true)
    expect(s.closed).toBe(true)
    expect(s.error).toBeUndefined()
  })

  it('finish(err) closes at once, discarding unread data, with no onEnd', async () => {
    const s = new LoopbackStream()
    let ended = false
    let data = 0
    s.pause()
    s.setSink({ onData: () => data++, onEnd: () => (ended = true) })
    s.feed(bytes('unread'))
    s.feedEnd()
    const err = new Error('lower layer failed')
    s.done(err)
    s.resume()
    await tick()
    expect(s.closed).toBe(true)
    expect(s.error).toBe(err)
    expect(data).toBe(0)
    expect(ended).toBe(false)
    expect(s.readableLength).toBe(0)
  })

  it('end() calls _end once; destroy() calls _destroy once; write after end throws, after close returns false', () => {
    const s = new LoopbackStream()
    s.end()
    s.end()
    expect(s.ended).toBe(1)
    expect(() => s.write(bytes('x'))).toThrow(expect.objectContaining({ code: 'STREAM_WRITE_AFTER_END' }))
    s.destroy()
    s.destroy(new Error('again'))
    expect(s.destroyedWith).toEqual([undefined])
    expect(s.write(bytes('x'))).toBe(false)
    s.end()
    expect(s.ended).toBe(1)
  })

  it('onceDrain on a closed stream never fires; close drops pending drain callbacks', () => {
    const s = new LoopbackStream({ writableHighWaterMark: 1 })
    let drains = 0
    s.write(bytes('xx'))
    s.onceDrain(() => drains++)
    s.destroy()
    s.onceDrain(() => drains++)
    s.flush()
    expect(drains).toBe(0)
  })

  it('closes gracefully after EOF both ways when the subclass says so', async () => {
    const s = new LoopbackStream()
    const closed = new Promise<Error | undefined>((r) => s.onceClosed(r))
    s.setSink({ onData() {}, onEnd() {} })
    s.end()
    s.feedEnd()
    s.done()
    expect(await closed).toBeUndefined()
    expect(s.readableEnded && s.writableEnded && s.closed).toBe(true)
  })

  it('runs close callbacks once in order; one unregistered (alone or among others) does not run', () => {
    const a = new LoopbackStream()
    const ranA: string[] = []
    const offOnly = a.onceClosed(() => ranA.push('only'))
    offOnly()
    a.onceClosed(() => ranA.push('second'))
    a.destroy()
    a.destroy()
    expect(ranA).toEqual(['second'])

    const b = new LoopbackStream()
    const ranB: string[] = []
    b.onceClosed(() => ranB.push('1'))
    const off2 = b.onceClosed(() => ranB.push('2'))
    b.onceClosed(() => ranB.push('3'))
    off2()
    const err = new Error('boom')
    const errs: Array<Error | undefined> = []
    b.onceClosed((e) => errs.push(e))
    b.destroy(err)
    expect(ranB).toEqual(['1', '3'])
    expect(errs).toEqual([err])
  })

  it('queues chunks for an absent reader again after the queue emptied', async () => {
    const s = new LoopbackStream()
    s.feed(bytes('a'))
    const got: string[] = []
    s.setSink({ onData: (c) => got.push(new TextDecoder().decode(c)), onEnd() {} })
    await tick()
    s.pause()
    s.feed(bytes('b'))
    s.feed(bytes('c'))
    expect(s.readableLength).toBe(2)
    s.resume()
    await tick()
    expect(got).toEqual(['a', 'b', 'c'])
  })
})
