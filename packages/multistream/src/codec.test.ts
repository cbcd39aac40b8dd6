import { describe, expect, it } from 'vitest'
import { decodeText, encodeLsResponse, encodeProtocol, HEADER_MESSAGE, NA_MESSAGE } from './codec.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('codec', () => {
  it('encodes the spec vectors', () => {
    expect(hex(NA_MESSAGE)).toBe('036e610a')
    expect(Buffer.from(HEADER_MESSAGE).toString('latin1')).toBe('\x13/multistream/1.0.0\n')
  })

  it('pre-encodes a protocol with and without the header, and caches it', () => {
    const p = encodeProtocol('/ipfs/kad/1.0.0')
    expect(Buffer.from(p.message).toString('latin1')).toBe('\x10/ipfs/kad/1.0.0\n')
    expect(Buffer.from(p.withHeader).toString('latin1')).toBe('\x13/multistream/1.0.0\n\x10/ipfs/kad/1.0.0\n')
    expect(encodeProtocol('/ipfs/kad/1.0.0')).toBe(p)
  })

  it('uses a two-byte prefix from 127 bytes of id on', () => {
    const p = encodeProtocol(`/${'a'.repeat(126)}`)
    expect([...p.message.subarray(0, 2)]).toEqual([0x80, 0x01])
  })

  it('checks ids at the boundary', () => {
    expect(() => encodeProtocol('')).toThrow(TypeError)
    expect(() => encodeProtocol(42 as unknown as string)).toThrow(TypeError)
    expect(() => encodeProtocol('/a\n/b')).toThrow(RangeError)
    expect(() => encodeProtocol(`/${'a'.repeat(1022)}`)).not.toThrow()
    expect(() => encodeProtocol(`/${'a'.repeat(1023)}`)).toThrow(RangeError)
    // 1023 bytes of UTF-8 is the limit, not 1023 characters.
    expect(() => encodeProtocol(`/${'é'.repeat(511)}`)).not.toThrow()
    expect(() => encodeProtocol(`/${'é'.repeat(512)}`)).toThrow(RangeError)
  })

  it('encodes an ls response as the spec describes', () => {
    const r = encodeLsResponse([encodeProtocol('/a'), encodeProtocol('/bb')])
    // total 9 = (1 + 3) + (1 + 4) ... + final newline
    expect(Buffer.from(r).toString('latin1')).toBe('\x0a\x03/a\n\x04/bb\n\n')
    expect(hex(encodeLsResponse([]))).toBe('010a')
  })

  it('decodes ASCII and UTF-8 ids', () => {
    const enc = new TextEncoder()
    for (const s of ['/ipfs/id/1.0.0', '/é/ü', 'x'.repeat(100), '']) expect(decodeText(enc.encode(s))).toBe(s)
  })
})
