import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Flag, FrameType } from './constants.js'
import { decodeHeader, encodeHeader, headerBytes } from './frame.js'

/** Naive reference encoder, written from the spec's field list. */
function reference(type: number, flags: number, id: number, length: number): Uint8Array {
  const v = new DataView(new ArrayBuffer(12))
  v.setUint8(0, 0)
  v.setUint8(1, type)
  v.setUint16(2, flags)
  v.setUint32(4, id)
  v.setUint32(8, length)
  return new Uint8Array(v.buffer)
}

describe('frame header', () => {
  it('encodes the spec layout (big endian)', () => {
    expect([...headerBytes(FrameType.WindowUpdate, Flag.SYN | Flag.ACK, 0x01020304, 0xfffffffe)]).toEqual([
      0, 1, 0, 3, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe,
    ])
  })

  it('matches the reference encoder and round-trips, at any offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 20 }),
        (type, flags, id, length, offset) => {
          const out = new Uint8Array(offset + 12 + 3)
          expect(encodeHeader(out, offset, type, flags, id, length)).toBe(offset + 12)
          expect(out.subarray(offset, offset + 12)).toEqual(reference(type, flags, id, length))
          expect(decodeHeader(out, offset)).toEqual({ version: 0, type, flags, streamId: id, length })
        },
      ),
    )
  })

  it('decodes from a view whose byteOffset is not 0', () => {
    const backing = new Uint8Array(40)
    backing.set(reference(0, 4, 7, 9), 5)
    const view = backing.subarray(5, 17)
    expect(decodeHeader(view)).toEqual({ version: 0, type: 0, flags: 4, streamId: 7, length: 9 })
  })

  it('rejects out-of-range fields and short buffers with RangeError', () => {
    const out = new Uint8Array(12)
    expect(() => encodeHeader(out, 1, 0, 0, 1, 1)).toThrow(RangeError)
    expect(() => encodeHeader(out, 0, 0, 0, 2 ** 32, 1)).toThrow(RangeError)
    expect(() => encodeHeader(out, 0, 0, 0, 1, -1)).toThrow(RangeError)
    expect(() => encodeHeader(out, 0, 0, 0x10000, 1, 1)).toThrow(RangeError)
    expect(() => decodeHeader(new Uint8Array(11))).toThrow(RangeError)
  })
})
