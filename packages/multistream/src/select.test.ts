import { readAll, SwitchyardError } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HEADER, latin1, rawPeer, settle, wire } from '../test/helpers.js'
import { select } from './select.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('select', () => {
  it('sends the header and the proposal in one write and resolves on the echo', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const p = select(a, ['/echo/1.0.0'])
    await settle()
    expect(peer.chunks.map(latin1)).toEqual([latin1(wire(HEADER, '/echo/1.0.0'))])
    peer.write(wire(HEADER, '/echo/1.0.0'))
    const { stream, protocol } = await p
    expect(protocol).toBe('/echo/1.0.0')
    // Nothing followed the echo: the stream itself is returned.
    expect(stream).toBe(a)
  })

  it('delivers bytes that came with the echo first, as a view of the received chunk', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const p = select(a, ['/x'])
    await settle()
    const reply = wire(HEADER, '/x', 'raw:hello')
    peer.write(reply)
    b.write(new TextEncoder().encode(' world'))
    b.end()
    const { stream } = await p
    const chunks: Uint8Array[] = []
    stream.setSink({ onData: (c) => chunks.push(c), onEnd: () => {} })
    await settle()
    expect(chunks.map(latin1)).toEqual(['hello', ' world'])
    expect(chunks[0]!.buffer).toBe(reply.buffer)
  })

  it('moves on to the next protocol after na', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const p = select(a, ['/x/2', '/x/1'])
    await settle()
    peer.clear()
    peer.write(wire(HEADER, 'na'))
    await settle()
    expect(peer.text()).toBe(latin1(wire('/x/1')))
    peer.write(wire('/x/1'))
    expect((await p).protocol).toBe('/x/1')
  })

  it('handles a reply split into single bytes', async () => {
    const [a, b] = duplexPair({ split: 1 })
    const peer = rawPeer(b)
    const p = select(a, ['/x/2', '/x/1'])
    await settle()
    peer.write(wire(HEADER, 'na'))
    await settle()
    peer.write(wire('/x/1', 'raw:ab'))
    const { stream, protocol } = await p
    expect(protocol).toBe('/x/1')
    b.end()
    expect(latin1(await readAll(stream))).toBe('ab')
  })

  it('rejects with MULTISTREAM_PROTOCOL_REJECTED when every protocol gets na, and destroys the stream', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const p = select(a, ['/x/2', '/x/1'])
    peer.write(wire(HEADER, 'na'))
    await settle()
    peer.write(wire('na'))
    await expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_PROTOCOL_REJECTED' })
    expect(a.closed).toBe(true)
  })

  it.each([
    ['a wrong header', wire('/multistream/2.0.0', '/x'), 'MULTISTREAM_INVALID_HEADER'],
    ['an unexpected answer', wire(HEADER, '/y'), 'MULTISTREAM_UNEXPECTED_MESSAGE'],
    ['an oversized prefix', Uint8Array.from([0xff, 0xff, 0x7f]), 'MULTISTREAM_MESSAGE_TOO_LONG'],
  ])('rejects %s', async (_name, reply, code) => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const p = select(a, ['/x'])
    peer.write(reply)
    await expect(p).rejects.toMatchObject({ code })
    expect(a.closed).toBe(true)
  })

  it('rejects with MULTISTREAM_UNEXPECTED_EOF when the remote ends early', async () => {
    const [a, b] = duplexPair()
    rawPeer(b)
    const p = select(a, ['/x'])
    b.write(wire(HEADER))
    b.end()
    await expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_UNEXPECTED_EOF' })
  })

  it("rejects with the stream's error when it is reset", async () => {
    const [a, b] = duplexPair()
    const p = select(a, ['/x'])
    b.reset()
    await expect(p).rejects.toMatchObject({ code: 'STREAM_RESET' })
  })

  it('times out with MULTISTREAM_TIMEOUT', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    rawPeer(b)
    const p = select(a, ['/x'], { timeoutMs: 500 })
    const assertion = expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_TIMEOUT' })
    await vi.advanceTimersByTimeAsync(500)
    await assertion
    expect(a.closed).toBe(true)
  })

  it('rejects with signal.reason on abort and destroys the stream', async () => {
    const [a, b] = duplexPair()
    rawPeer(b)
    const controller = new AbortController()
    const p = select(a, ['/x'], { signal: controller.signal })
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(p).rejects.toBe(reason)
    expect(a.closed).toBe(true)
  })

  it('rejects at once, leaving the stream alone, when the signal is already aborted', async () => {
    const [a] = duplexPair()
    const p = select(a, ['/x'], { signal: AbortSignal.abort('gone') })
    await expect(p).rejects.toBe('gone')
    expect(a.closed).toBe(false)
  })

  it('checks its arguments', async () => {
    const [a] = duplexPair()
    await expect(select(a, [])).rejects.toThrow(TypeError)
    await expect(select(a, ['/a', '/b'], { lazy: true })).rejects.toThrow(RangeError)
    await expect(select(a, ['/a'], { timeoutMs: 0 })).rejects.toThrow(RangeError)
    await expect(select(a, ['/a'], { maxMessages: 1 })).rejects.toThrow(RangeError)
    await expect(select(a, ['x'.repeat(1024)])).rejects.toThrow(RangeError)
    expect(a.closed).toBe(false)
  })
})

describe('lazy select', () => {
  it('coalesces the header, the proposal and the first write into one chunk', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const result = await select(a, ['/echo/1.0.0'], { lazy: true })
    const { stream, protocol } = result
    expect(protocol).toBe('/echo/1.0.0')
    expect(result.confirmed).toBe(false)
    stream.write(new TextEncoder().encode('ping'))
    await settle()
    expect(peer.chunks.map(latin1)).toEqual([latin1(wire(HEADER, '/echo/1.0.0', 'raw:ping'))])
    peer.write(wire(HEADER, '/echo/1.0.0', 'raw:pong'))
    b.end()
    stream.end()
    expect(latin1(await readAll(stream))).toBe('pong')
    expect(result.confirmed).toBe(true)
  })

  it('calls onConfirmed once when the responder confirms, and never on a refusal', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    let confirmed = 0
    const result = await select(a, ['/x'], { lazy: true, onConfirmed: () => confirmed++ })
    result.stream.write(new TextEncoder().encode('hi'))
    await settle()
    expect(confirmed).toBe(0)
    peer.write(wire(HEADER, '/x', 'raw:ok'))
    await settle()
    expect(confirmed).toBe(1)
    expect(result.confirmed).toBe(true)

    const [c, d] = duplexPair()
    const refuser = rawPeer(d)
    let refusedCalls = 0
    const refused = await select(c, ['/y'], { lazy: true, onConfirmed: () => refusedCalls++ })
    refused.stream.write(new TextEncoder().encode('hi'))
    refuser.write(wire(HEADER, 'na'))
    await readAll(refused.stream).catch(() => {})
    expect(refusedCalls).toBe(0)
  })

  it('sends the header and the proposal on its own when the caller does not write', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    await select(a, ['/x'], { lazy: true })
    await settle()
    await settle()
    expect(peer.text()).toBe(latin1(wire(HEADER, '/x')))
  })

  it('writes a large first write separately instead of copying it', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const { stream } = await select(a, ['/x'], { lazy: true })
    const big = new Uint8Array(64 * 1024)
    stream.write(big)
    await settle()
    expect(peer.chunks.length).toBe(2)
    expect(peer.chunks[1]).toBe(big)
  })

  it('surfaces a rejection as MULTISTREAM_PROTOCOL_REJECTED on the first read', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const result = await select(a, ['/x'], { lazy: true })
    const { stream } = result
    stream.write(new TextEncoder().encode('data'))
    peer.write(wire(HEADER, 'na'))
    const err = await readAll(stream).catch((e: unknown) => e)
    expect(SwitchyardError.is(err, 'MULTISTREAM_PROTOCOL_REJECTED')).toBe(true)
    expect(result.confirmed).toBe(false)
    expect(stream.closed).toBe(true)
    expect(a.closed).toBe(true)
  })

  it('delivers nothing before the confirmation', async () => {
    const [a, b] = duplexPair({ split: 1 })
    const peer = rawPeer(b)
    const { stream } = await select(a, ['/x'], { lazy: true })
    const got: string[] = []
    stream.setSink({ onData: (c) => got.push(latin1(c)), onEnd: () => {} })
    peer.write(wire(HEADER))
    await settle()
    expect(got).toEqual([])
    peer.write(wire('/x', 'raw:ok'))
    await settle()
    expect(got.join('')).toBe('ok')
  })

  it('times out when no confirmation comes', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    rawPeer(b)
    const { stream } = await select(a, ['/x'], { lazy: true, timeoutMs: 1000 })
    const closed = new Promise<Error | undefined>((resolve) => stream.onceClosed(resolve))
    await vi.advanceTimersByTimeAsync(1000)
    expect(await closed).toMatchObject({ code: 'MULTISTREAM_TIMEOUT' })
  })

  it('destroying the lazy stream destroys the underlying one and stops the negotiation', async () => {
    const [a, b] = duplexPair()
    rawPeer(b)
    const { stream } = await select(a, ['/x'], { lazy: true })
    stream.destroy()
    expect(a.closed).toBe(true)
    await settle()
    expect(b.closed).toBe(true)
  })
})

describe('lazy select and pause', () => {
  it('a reader that pauses before the confirmation does not stall the negotiation', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(b)
    const { stream } = await select(a, ['/x'], { lazy: true })
    stream.pause()
    peer.write(wire(HEADER, '/x', 'raw:data'))
    await settle()
    expect(a.paused).toBe(true)
    b.end()
    expect(latin1(await readAll(stream))).toBe('data')
  })
})
