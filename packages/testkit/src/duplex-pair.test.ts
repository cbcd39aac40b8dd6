import { readAll, SwitchyardError, writeAll } from '@switchyard/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { duplexPair, garbage, MemoryStream, validateDuplexPairInit } from './duplex-pair.js'
import { RecordingSink, settle, whenClosed } from './suite-helpers.js'

const enc = new TextEncoder()

describe('duplexPair', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('moves bytes both ways and closes gracefully', async () => {
    const [a, b] = duplexPair({ split: 3 })
    const data = enc.encode('hello, switchyard')
    const got = readAll(b)
    await writeAll(a, [data.slice()])
    expect(await got).toEqual(data)
    b.end()
    expect((await readAll(a)).byteLength).toBe(0)
    await settle()
    expect(a.closed && b.closed).toBe(true)
    expect(a.error).toBeUndefined()
  })

  it('a local destroy resets the peer with STREAM_RESET, keeping the local error as cause', async () => {
    const [a, b] = duplexPair()
    const closed = whenClosed(b)
    const cause = new Error('local reason')
    a.destroy(cause)
    const err = await closed
    expect(SwitchyardError.is(err, 'STREAM_RESET')).toBe(true)
    expect(err?.cause).toBe(cause)
  })

  it('a graceful close does not reset the peer', async () => {
    const [a, b] = duplexPair()
    a.setSink(new RecordingSink())
    b.setSink(new RecordingSink())
    a.end()
    b.end()
    expect(await whenClosed(a)).toBeUndefined()
    expect(await whenClosed(b)).toBeUndefined()
  })

  it('splits chunks with a number or a function', async () => {
    const [a, b] = duplexPair({ split: 4 })
    const sink = new RecordingSink()
    b.setSink(sink)
    a.write(enc.encode('0123456789'))
    a.end()
    await sink.untilEnd()
    expect(sink.chunks.map((c) => c.byteLength)).toEqual([4, 4, 2])

    const [c, d] = duplexPair({ split: (chunk) => [chunk.subarray(0, 1), chunk.subarray(1)] })
    const sink2 = new RecordingSink()
    d.setSink(sink2)
    c.write(enc.encode('abc'))
    c.end()
    await sink2.untilEnd()
    expect(sink2.chunks.map((x) => x.byteLength)).toEqual([1, 2])
  })

  it('never moves more than the peer can buffer while nobody reads', async () => {
    const [a, b] = duplexPair({ readableHighWaterMark: 1000, writableHighWaterMark: 500 })
    expect(a.write(new Uint8Array(10_000))).toBe(false)
    await settle()
    expect(b.readableLength).toBe(1000)
    expect(a.writableLength).toBe(9000)
    expect(a.writableNeedDrain).toBe(true)
    const sink = new RecordingSink()
    const drained = new Promise<void>((r) => a.onceDrain(r))
    b.setSink(sink)
    await drained
    await sink.untilBytes(10_000)
  })

  it('applies latency to every piece and the EOF (fake clock)', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair({ latencyMs: 100 })
    const sink = new RecordingSink()
    b.setSink(sink)
    a.write(enc.encode('late'))
    a.end()
    await vi.advanceTimersByTimeAsync(99)
    expect(sink.length).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(sink.length).toBe(4)
    expect(sink.ended).toBe(true)
  })

  it('throttles to bytesPerSecond (fake clock)', async () => {
    vi.useFakeTimers()
    // 10 000 B/s in 10 ms ticks: 100 bytes per tick.
    const [a, b] = duplexPair({ bytesPerSecond: 10_000, throttleTickMs: 10 })
    const sink = new RecordingSink()
    b.setSink(sink)
    a.write(new Uint8Array(1000))
    await vi.advanceTimersByTimeAsync(0)
    expect(sink.length).toBe(100)
    await vi.advanceTimersByTimeAsync(50)
    expect(sink.length).toBe(600)
    await vi.advanceTimersByTimeAsync(40)
    expect(sink.length).toBe(1000)
    expect(sink.chunks.every((c) => c.byteLength <= 100)).toBe(true)
  })

  it('throttles one direction only when side b has its own init', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair({}, { bytesPerSecond: 1000, throttleTickMs: 10 })
    const atA = new RecordingSink()
    const atB = new RecordingSink()
    a.setSink(atA)
    b.setSink(atB)
    a.write(new Uint8Array(500))
    b.write(new Uint8Array(500))
    await vi.advanceTimersByTimeAsync(0)
    expect(atB.length).toBe(500)
    expect(atA.length).toBe(10)
  })

  it('stall() holds bytes back (a half-open peer) until unstall()', async () => {
    const [a, b] = duplexPair({ writableHighWaterMark: 100 })
    const sink = new RecordingSink()
    b.setSink(sink)
    a.stall()
    expect(a.write(new Uint8Array(50))).toBe(true)
    expect(a.write(new Uint8Array(50))).toBe(false)
    let drained = false
    a.onceDrain(() => {
      drained = true
    })
    await settle()
    expect(sink.length).toBe(0)
    expect(drained).toBe(false)
    a.unstall()
    await sink.untilBytes(100)
    expect(drained).toBe(true)
  })

  it('injects garbage and raw bytes in order with written data', async () => {
    const [a, b] = duplexPair()
    const sink = new RecordingSink()
    b.setSink(sink)
    a.write(enc.encode('ok'))
    const junk = a.injectGarbage(5, 42)
    a.injectRaw(enc.encode('!'))
    a.end()
    a.injectRaw(enc.encode('after EOF'))
    await sink.untilEnd()
    expect(sink.bytes()).toEqual(new Uint8Array([...enc.encode('ok'), ...junk, ...enc.encode('!')]))
    expect(junk).toEqual(garbage(5, 42))
  })

  it('corruptAt() flips a byte of the outgoing stream, leaving the writer buffer alone', async () => {
    const [a, b] = duplexPair({ split: 2 })
    const sink = new RecordingSink()
    b.setSink(sink)
    a.corruptAt(3, 0x80)
    a.corruptAt(8)
    const data = new Uint8Array(10)
    a.write(data)
    a.end()
    await sink.untilEnd()
    expect([...sink.bytes()]).toEqual([0, 0, 0, 0x80, 0, 0, 0, 0, 1, 0])
    expect(data.every((x) => x === 0)).toBe(true)
  })

  it('resetAfter() resets both ends once that many bytes were sent', async () => {
    const [a, b] = duplexPair()
    const sink = new RecordingSink()
    b.setSink(sink)
    a.resetAfter(5)
    const closedA = whenClosed(a)
    const closedB = whenClosed(b)
    a.write(new Uint8Array(10))
    expect(SwitchyardError.is(await closedA, 'STREAM_RESET')).toBe(true)
    expect(SwitchyardError.is(await closedB, 'STREAM_RESET')).toBe(true)
    expect(sink.length).toBe(5)
    expect(sink.ended).toBe(false)
  })

  it('reset() closes both ends with STREAM_RESET', async () => {
    const [a, b] = duplexPair()
    const closedB = whenClosed(b)
    a.reset()
    expect(SwitchyardError.is(a.error, 'STREAM_RESET')).toBe(true)
    expect(SwitchyardError.is(await closedB, 'STREAM_RESET')).toBe(true)
  })

  it('a destroy with latency reaches the peer after the latency, and leaves no timer behind', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair({ latencyMs: 20 })
    a.write(new Uint8Array(10))
    a.destroy()
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(19)
    expect(b.closed).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(b.closed).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('validates its init', () => {
    expect(() => validateDuplexPairInit({ split: 0 })).toThrow(RangeError)
    expect(() => validateDuplexPairInit({ split: 1.5 })).toThrow(RangeError)
    expect(() => validateDuplexPairInit({ writableHighWaterMark: -1 })).toThrow(RangeError)
    expect(() => validateDuplexPairInit({ readableHighWaterMark: 0 })).toThrow(RangeError)
    expect(() => validateDuplexPairInit({ latencyMs: -1 })).toThrow(RangeError)
    expect(() => validateDuplexPairInit({ bytesPerSecond: 0 })).toThrow(RangeError)
    expect(() => validateDuplexPairInit({ bytesPerSecond: 'fast' as unknown as number })).toThrow(TypeError)
    expect(() => duplexPair({ split: -2 })).toThrow(RangeError)
    expect(() => validateDuplexPairInit({ split: 1, latencyMs: 0, bytesPerSecond: Infinity })).not.toThrow()
  })

  it('connect() refuses a stream that is already connected', () => {
    const [a] = duplexPair()
    expect(() => MemoryStream.connect(a, new MemoryStream('c'))).toThrow(TypeError)
    expect(() => new MemoryStream('lonely').peer).toThrow(TypeError)
  })

  it('garbage() is deterministic per seed', () => {
    expect(garbage(64, 1)).toEqual(garbage(64, 1))
    expect(garbage(64, 1)).not.toEqual(garbage(64, 2))
    expect(garbage(0).byteLength).toBe(0)
    expect(() => garbage(-1)).toThrow(RangeError)
  })

  it('counts bytes written and sent', async () => {
    const [a, b] = duplexPair()
    const sink = new RecordingSink()
    b.setSink(sink)
    a.write(new Uint8Array(7))
    a.injectRaw(new Uint8Array(3))
    await sink.untilBytes(10)
    expect(a.bytesWritten).toBe(7)
    expect(a.bytesSent).toBe(10)
  })
})
