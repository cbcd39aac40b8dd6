import { multiaddr } from '@multiformats/multiaddr'
import { readAll, SwitchyardError, streamClosed } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { memoryConnectionPair } from './memory-connection.js'

const pair = (hwm = 1024) =>
  memoryConnectionPair(multiaddr('/memory/a'), multiaddr('/memory/b'), {
    writableHighWaterMark: hwm,
    readableHighWaterMark: hwm,
  })

const tick = () => new Promise<void>((r) => setImmediate(r))

describe('MemoryConnection', () => {
  it('a paused reader stops the writer; resume drains it', async () => {
    const [a, b] = pair(1024)
    b.pause()
    b.setSink({ onData() {}, onEnd() {} })
    for (let i = 0; i < 32; i++) a.write(new Uint8Array(256))
    let drained = false
    a.onceDrain(() => {
      drained = true
    })
    await tick()
    await tick()
    // The reader buffers at most its high-water mark; the rest stays with the writer.
    expect(b.readableLength).toBeLessThanOrEqual(1024)
    expect(a.writableNeedDrain).toBe(true)
    expect(drained).toBe(false)
    b.resume()
    await tick()
    await tick()
    expect(drained).toBe(true)
    a.destroy()
  })

  it('EOF both ways closes both ends gracefully, data first', async () => {
    const [a, b] = pair()
    const got = readAll(b)
    a.write(new Uint8Array([1, 2]))
    a.end()
    expect([...(await got)]).toEqual([1, 2])
    const back = readAll(a)
    b.end()
    expect((await back).byteLength).toBe(0)
    await Promise.all([streamClosed(a), streamClosed(b)])
  })

  it('counts the bytes that crossed, each way', async () => {
    const [a, b] = pair()
    expect([a.bytesRead, a.bytesWritten]).toEqual([0, 0])
    const got = readAll(b)
    a.write(new Uint8Array(3000))
    a.write(new Uint8Array(5))
    a.end()
    expect((await got).byteLength).toBe(3005)
    const back = readAll(a)
    b.write(new Uint8Array(7))
    b.end()
    expect((await back).byteLength).toBe(7)
    expect([a.bytesWritten, a.bytesRead]).toEqual([3005, 7])
    expect([b.bytesWritten, b.bytesRead]).toEqual([7, 3005])
  })

  it('destroy resets the peer with a typed error and drops queued bytes', async () => {
    const [a, b] = pair()
    a.write(new Uint8Array(10))
    a.destroy()
    const err = await new Promise<Error | undefined>((r) => b.onceClosed(r))
    expect(SwitchyardError.is(err, 'TRANSPORT_CONNECTION_FAILED')).toBe(true)
    expect(b.readableLength).toBe(0)
  })

  it('write after the peer is gone returns false', async () => {
    const [a, b] = pair()
    b.destroy()
    await new Promise<void>((r) => a.onceClosed(() => r()))
    expect(a.write(new Uint8Array(1))).toBe(false)
  })
})
