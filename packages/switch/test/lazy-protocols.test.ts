import { readAll, SwitchyardError, writeAll } from '@switchyard/interface'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { echo, type Kind, TestNet } from './helpers.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Resolves with the error a stream closed with (if any). */
function closed(ps: {
  stream: { onceClosed(cb: (err?: Error) => void): unknown }
}): Promise<Error | undefined> {
  return new Promise((resolve) => ps.stream.onceClosed(resolve))
}

// The peerstore learns a protocol of an outbound stream only once the remote confirmed
// it; with `lazy: true` the stream is handed out before that.
describe.each<Kind>(['memory', 'tcp'])('lazily opened streams over %s', (kind) => {
  let net: TestNet
  afterEach(async () => {
    await net.closeAll()
  })

  it('a protocol the remote refuses is not recorded in the peerstore', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/echo/1.0.0', echo)
    const ps = await a.sw.openStream(b.addr, '/nope/1.0.0', { lazy: true })
    expect(ps.confirmed).toBe(false)
    expect(a.sw.peerstore.protocols(b.peerId)).not.toContain('/nope/1.0.0')
    const done = closed(ps)
    ps.stream.write(enc.encode('x'))
    const err = await done
    expect(SwitchyardError.is(err, 'MULTISTREAM_PROTOCOL_REJECTED')).toBe(true)
    expect(ps.confirmed).toBe(false)
    expect(a.sw.peerstore.protocols(b.peerId)).not.toContain('/nope/1.0.0')
    // The connection survives, and a confirmed protocol is recorded as before.
    const ok = await a.sw.openStream(b.peerId, '/echo/1.0.0')
    expect(a.sw.peerstore.protocols(b.peerId)).toEqual(['/echo/1.0.0'])
    ok.stream.end()
    await readAll(ok.stream)
  })

  it('a protocol the remote accepts is recorded once confirmed', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/echo/1.0.0', echo)
    const ps = await a.sw.openStream(b.addr, '/echo/1.0.0', { lazy: true })
    expect(ps.confirmed).toBe(false)
    expect(a.sw.peerstore.protocols(b.peerId)).not.toContain('/echo/1.0.0')
    const done = closed(ps)
    const reply = readAll(ps.stream)
    await writeAll(ps.stream, [enc.encode('lazy')])
    ps.stream.end()
    expect(dec.decode(await reply)).toBe('lazy')
    expect(await done).toBeUndefined()
    expect(ps.confirmed).toBe(true)
    await vi.waitFor(() => expect(a.sw.peerstore.protocols(b.peerId)).toContain('/echo/1.0.0'))
  })

  it('a lazy stream is recorded when the confirmation arrives, while it is still open; the caller hears of it too', async () => {
    net = new TestNet(kind)
    const b = await net.listening()
    const a = net.make()
    b.sw.handle('/echo/1.0.0', echo)
    let heard = 0
    const ps = await a.sw.openStream(b.addr, '/echo/1.0.0', { lazy: true, onConfirmed: () => heard++ })
    const firstReply = new Promise<Uint8Array>((resolve) =>
      ps.stream.setSink({ onData: resolve, onEnd() {} }),
    )
    ps.stream.write(enc.encode('x'))
    expect(dec.decode(await firstReply)).toBe('x')
    expect(ps.stream.closed).toBe(false)
    expect(ps.confirmed).toBe(true)
    expect(heard).toBe(1)
    expect(a.sw.peerstore.protocols(b.peerId)).toContain('/echo/1.0.0')
    ps.stream.destroy()
  })
})
