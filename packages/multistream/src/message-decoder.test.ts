import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MessageDecoder } from './message-decoder.js'

const text = new TextEncoder()
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'))

/** Decodes every message of `chunks`; returns the messages as strings and the bytes after the last one. */
function decodeAll(chunks: Uint8Array[]): string[] {
  const d = new MessageDecoder()
  const out: string[] = []
  for (const c of chunks) {
    let off = 0
    while (off < c.byteLength) {
      off = d.decode(c, off)
      if (d.message !== undefined) out.push(Buffer.from(d.message).toString())
    }
  }
  return out
}

/** A naive reference encoder: uvarint(len + 1) | bytes | \n. */
function encodeNaive(s: string): Uint8Array {
  const body = [...text.encode(s), 0x0a]
  const prefix: number[] = []
  let n = body.length
  while (n >= 0x80) {
    prefix.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  prefix.push(n)
  return Uint8Array.from([...prefix, ...body])
}

describe('MessageDecoder', () => {
  it('decodes the spec vectors (na = 036e610a, ls = 036c730a)', () => {
    expect(decodeAll([hex('036e610a 036c730a')])).toEqual(['na', 'ls'])
  })

  it('returns a view of the chunk, not a copy, when the message is whole', () => {
    const chunk = hex('036e610a ff')
    const d = new MessageDecoder()
    expect(d.decode(chunk, 0)).toBe(4)
    expect(d.message!.buffer).toBe(chunk.buffer)
    expect(d.message!.byteOffset).toBe(1)
  })

  it('stops right after a message, leaving the rest of the chunk untouched', () => {
    const chunk = new Uint8Array([...encodeNaive('/a'), 0xff, 0xff])
    const d = new MessageDecoder()
    expect(d.decode(chunk, 0)).toBe(4)
    expect(d.idle).toBe(true)
  })

  it('decodes a 1024-byte message with a two-byte prefix (80 08)', () => {
    const id = 'x'.repeat(1023)
    const bytes = encodeNaive(id)
    expect([...bytes.subarray(0, 2)]).toEqual([0x80, 0x08])
    expect(decodeAll([bytes])).toEqual([id])
  })

  it.each([
    ['a length over 1024', '810801', 'MULTISTREAM_MESSAGE_TOO_LONG'],
    ['a third prefix byte', 'ffff01', 'MULTISTREAM_MESSAGE_TOO_LONG'],
    ['an empty message', '00', 'MULTISTREAM_INVALID_MESSAGE'],
    ['a missing newline', '036e6161', 'MULTISTREAM_INVALID_MESSAGE'],
    ['a non-minimal prefix', '8300 6e610a', 'MULTISTREAM_INVALID_MESSAGE'],
  ])('refuses %s', (_name, bytes, code) => {
    expect(() => decodeAll([hex(bytes)])).toThrow(expect.objectContaining({ code }))
  })

  it('refuses an oversized prefix before its body arrives, one byte at a time', () => {
    const d = new MessageDecoder()
    expect(d.decode(hex('ff'), 0)).toBe(1)
    expect(() => d.decode(hex('ff'), 0)).toThrow(
      expect.objectContaining({ code: 'MULTISTREAM_MESSAGE_TOO_LONG' }),
    )
  })

  it('matches the naive reference for any messages and any chunk split', () => {
    const id = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 300 }).filter((s) => !s.includes('\n'))
    fc.assert(
      fc.property(
        fc.array(id, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (ids, cuts) => {
          const wire = Buffer.concat(ids.map(encodeNaive))
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b)
          const chunks: Uint8Array[] = []
          let prev = 0
          for (const p of [...points, wire.length]) {
            chunks.push(wire.subarray(prev, p))
            prev = p
          }
          expect(decodeAll(chunks)).toEqual(ids)
        },
      ),
    )
  })

  it('never throws anything but a MultistreamError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2100 }), (bytes) => {
        try {
          decodeAll([bytes])
        } catch (err) {
          expect((err as { code?: string }).code).toMatch(/^MULTISTREAM_/)
        }
      }),
    )
  })
})
