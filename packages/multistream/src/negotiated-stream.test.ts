import { type ByteStream, readAll, SwitchyardError } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import { describe, expect, it } from 'vitest'
import { latin1, settle } from '../test/helpers.js'
import { NegotiatedStream } from './negotiated-stream.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('NegotiatedStream', () => {
  it('delivers the leftover, then the underlying data, then EOF', async () => {
    const [a, b] = duplexPair()
    const s = NegotiatedStream.withLeftover(b, bytes('first'))
    a.write(bytes('second'))
    a.end()
    expect(latin1(await readAll(s))).toBe('firstsecond')
  })

  it('offers writev only over a stream that gathers; the pieces arrive in order behind the preamble', async () => {
    const [a, b] = duplexPair()
    const plain: ByteStream = NegotiatedStream.withLeftover(b, bytes('x'))
    expect(plain.writev).toBeUndefined()

    const [c, d] = duplexPair()
    const written: string[] = []
    const write = d.write.bind(d)
    const gathering = Object.assign(d, {
      write(chunk: Uint8Array) {
        written.push(latin1(chunk))
        return write(chunk)
      },
      writev(chunks: readonly Uint8Array[]) {
        for (const chunk of chunks) gathering.write(chunk)
        return true
      },
    })
    const s: ByteStream = NegotiatedStream.lazy(gathering, bytes('pre:'))
    expect(typeof s.writev).toBe('function')
    expect(s.writev!([bytes('one'), bytes('two'), bytes('three')])).toBe(true)
    expect(written).toEqual(['pre:one', 'two', 'three'])
    s.end()
    expect(latin1(await readAll(c))).toBe('pre:onetwothree')
    a.destroy()
  })

  it('passes writes and end through and closes gracefully with the underlying stream', async () => {
    const [a, b] = duplexPair()
    const s = NegotiatedStream.withLeftover(b, bytes('x'))
    s.write(bytes('to-a'))
    s.end()
    const got = readAll(a)
    a.end()
    expect(latin1(await got)).toBe('to-a')
    expect(latin1(await readAll(s))).toBe('x')
    await settle()
    expect(s.closed).toBe(true)
    expect(s.error).toBeUndefined()
  })

  it('closes with the underlying error', async () => {
    const [a, b] = duplexPair()
    const s = NegotiatedStream.withLeftover(b, bytes('x'))
    const closed = new Promise<Error | undefined>((resolve) => s.onceClosed(resolve))
    a.reset()
    const err = await closed
    expect(SwitchyardError.is(err, 'STREAM_RESET')).toBe(true)
  })

  it('destroy reaches the underlying stream and the peer', async () => {
    const [a, b] = duplexPair()
    const s = NegotiatedStream.withLeftover(b, bytes('x'))
    s.destroy()
    expect(b.closed).toBe(true)
    await settle()
    expect(a.closed).toBe(true)
  })

  it('forwards backpressure: write() false, then drain', async () => {
    const [a, b] = duplexPair({ writableHighWaterMark: 8 })
    a.pause()
    const s = NegotiatedStream.withLeftover(b, bytes('x'))
    expect(s.write(new Uint8Array(16))).toBe(false)
    expect(s.writableNeedDrain).toBe(true)
    const drained = new Promise<void>((resolve) => s.onceDrain(resolve))
    a.setSink({ onData: () => {}, onEnd: () => {} })
    a.resume()
    await drained
    expect(s.writableNeedDrain).toBe(false)
  })

  it('pauses the underlying stream when its reader does not read, and resumes it after', async () => {
    const [a, b] = duplexPair({ readableHighWaterMark: 16 })
    const s = NegotiatedStream.withLeftover(b, bytes('x'))
    s.pause()
    expect(b.paused).toBe(true)
    for (let i = 0; i < 8; i++) a.write(new Uint8Array(8))
    await settle()
    // The underlying stream buffered up to its mark and stopped taking more.
    expect(b.readableLength).toBeGreaterThanOrEqual(16)
    expect(b.readableLength).toBeLessThan(64)
    const got: Uint8Array[] = []
    s.setSink({ onData: (c) => got.push(c), onEnd: () => {} })
    s.resume()
    await settle()
    await settle()
    expect(got.reduce((n, c) => n + c.byteLength, 0)).toBe(1 + 64)
  })
})
