import { readAll } from '@switchyard/interface'
import { duplexPair } from '@switchyard/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HEADER, latin1, rawPeer, settle, wire } from '../test/helpers.js'
import { handle } from './handle.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('handle', () => {
  it('answers header and echo in one write when the proposal comes with the header', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(a)
    const p = handle(b, ['/a', '/b'])
    peer.write(wire(HEADER, '/b'))
    const { stream, protocol } = await p
    expect(protocol).toBe('/b')
    expect(stream).toBe(b)
    await settle()
    expect(peer.chunks.map(latin1)).toEqual([latin1(wire(HEADER, '/b'))])
  })

  it('sends its header as soon as the initiator header is read alone', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(a)
    const p = handle(b, ['/a'])
    peer.write(wire(HEADER))
    await settle()
    expect(peer.text()).toBe(latin1(wire(HEADER)))
    peer.write(wire('/a'))
    expect((await p).protocol).toBe('/a')
    await settle()
    expect(peer.text()).toBe(latin1(wire(HEADER, '/a')))
  })

  it('answers na to unknown protocols and keeps reading', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(a)
    const p = handle(b, ['/a'])
    peer.write(wire(HEADER, '/x', '/y'))
    await settle()
    expect(peer.chunks.map(latin1)).toEqual([latin1(wire(HEADER, 'na', 'na'))])
    peer.write(wire('/a'))
    expect((await p).protocol).toBe('/a')
  })

  it('answers ls with the supported list (spec "ls example in detail")', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(a)
    const p = handle(b, ['/a', '/bb'])
    peer.write(wire(HEADER, 'ls'))
    await settle()
    expect(peer.text()).toBe(`${latin1(wire(HEADER))}\x0a\x03/a\n\x04/bb\n\n`)
    peer.write(wire('/a'))
    await p
  })

  it('accepts a set or a match function, listing lsProtocols for the latter', async () => {
    for (const supported of [new Set(['/a']), (p: string) => p.startsWith('/a')]) {
      const [a, b] = duplexPair()
      const peer = rawPeer(a)
      const p = handle(b, supported, { lsProtocols: ['/a'] })
      peer.write(wire(HEADER, 'ls', '/b', '/a'))
      expect((await p).protocol).toBe('/a')
      await settle()
      expect(peer.text()).toBe(`${latin1(wire(HEADER))}\x05\x03/a\n\n${latin1(wire('na', '/a'))}`)
    }
  })

  it('delivers bytes that came with the proposal first, without copying them', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(a)
    const p = handle(b, ['/a'])
    const first = wire(HEADER, '/a', 'raw:payload')
    peer.write(first)
    a.end()
    const { stream } = await p
    const chunks: Uint8Array[] = []
    stream.setSink({ onData: (c) => chunks.push(c), onEnd: () => {} })
    await settle()
    expect(chunks.map(latin1)).toEqual(['payload'])
    expect(chunks[0]!.buffer).toBe(first.buffer)
  })

  it.each([
    ['a wrong header', wire('/x', '/a'), 'MULTISTREAM_INVALID_HEADER'],
    ['a message without newline', Uint8Array.from([2, 0x61, 0x62]), 'MULTISTREAM_INVALID_MESSAGE'],
    [
      'too many proposals',
      wire(HEADER, ...Array.from({ length: 16 }, (_, i) => `/p/${i}`)),
      'MULTISTREAM_TOO_MANY_MESSAGES',
    ],
  ])('rejects %s and destroys the stream', async (_name, bytes, code) => {
    const [a, b] = duplexPair()
    rawPeer(a)
    const p = handle(b, ['/a'])
    a.write(bytes)
    await expect(p).rejects.toMatchObject({ code })
    expect(b.closed).toBe(true)
  })

  it('honours maxMessages', async () => {
    const [a, b] = duplexPair()
    rawPeer(a)
    const p = handle(b, ['/a'], { maxMessages: 3 })
    a.write(wire(HEADER, '/x', '/y', '/a'))
    await expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_TOO_MANY_MESSAGES' })
  })

  it('fails with what a match function threw', async () => {
    const [a, b] = duplexPair()
    rawPeer(a)
    const boom = new Error('boom')
    const p = handle(b, () => {
      throw boom
    })
    a.write(wire(HEADER, '/a'))
    await expect(p).rejects.toBe(boom)
  })

  it('times out on a silent peer', async () => {
    vi.useFakeTimers()
    const [a, b] = duplexPair()
    rawPeer(a)
    const p = handle(b, ['/a'])
    const assertion = expect(p).rejects.toMatchObject({ code: 'MULTISTREAM_TIMEOUT' })
    await vi.advanceTimersByTimeAsync(10_000)
    await assertion
  })

  it('checks its arguments', async () => {
    const [, b] = duplexPair()
    await expect(handle(b, 'x' as unknown as string[])).rejects.toThrow(TypeError)
    await expect(handle(b, ['/a'], { timeoutMs: Number.NaN })).rejects.toThrow(RangeError)
  })

  it('hands the stream over cleanly: later data goes to the next reader', async () => {
    const [a, b] = duplexPair()
    const peer = rawPeer(a)
    const p = handle(b, ['/a'])
    peer.write(wire(HEADER, '/a'))
    const { stream } = await p
    a.write(new TextEncoder().encode('later'))
    a.end()
    expect(latin1(await readAll(stream))).toBe('later')
  })
})
