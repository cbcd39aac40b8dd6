import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameDecoder } from './frame-decoder.js'

function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.byteLength)
  out[0] = body.byteLength >> 8
  out[1] = body.byteLength & 0xff
  out.set(body, 2)
  return out
}

/** The naive reference: join everything, then cut. */
function naive(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = []
  let o = 0
  while (bytes.byteLength - o >= 2) {
    const len = (bytes[o]! << 8) | bytes[o + 1]!
    if (bytes.byteLength - o - 2 < len) break
    frames.push(bytes.slice(o + 2, o + 2 + len))
    o += 2 + len
  }
  return frames
}

describe('FrameDecoder', () => {
  it('returns a view when the frame lies in one chunk', () => {
    const d = new FrameDecoder()
    const chunk = frame(new Uint8Array([1, 2, 3]))
    d.push(chunk)
    const f = d.next()!
    expect(f.buffer).toBe(chunk.buffer)
    expect([...f]).toEqual([1, 2, 3])
    expect(d.next()).toBeUndefined()
    expect(d.bufferedBytes).toBe(0)
  })

  it('handles a length prefix split across chunks and empty frames', () => {
    const d = new FrameDecoder()
    d.push(new Uint8Array([0]))
    expect(d.next()).toBeUndefined()
    d.push(new Uint8Array([2, 9]))
    expect(d.next()).toBeUndefined()
    d.push(new Uint8Array([8, 0, 0]))
    expect([...d.next()!]).toEqual([9, 8])
    expect(d.next()!.byteLength).toBe(0)
  })

  it('matches the naive reference for arbitrary frames and chunk splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 5 }),
        (bodies, cuts, trailing) => {
          const stream = Buffer.concat([...bodies.map(frame), new Uint8Array(trailing).fill(0xff)])
          const d = new FrameDecoder()
          const out: Uint8Array[] = []
          let o = 0
          let i = 0
          while (o < stream.byteLength) {
            const n = cuts[i++ % cuts.length]!
            // a non-zero byteOffset for every chunk
            const padded = new Uint8Array(n + 3)
            const piece = stream.subarray(o, o + n)
            padded.set(piece, 3)
            d.push(padded.subarray(3, 3 + piece.byteLength))
            o += n
            // Alternate both APIs: they must agree with each other and the reference.
            for (;;) {
              const f = out.length % 2 === 0 ? d.next() : d.nextPieces()
              if (f === undefined) break
              out.push(f instanceof Uint8Array ? f.slice() : new Uint8Array(Buffer.concat(f)))
            }
          }
          expect(out).toEqual(naive(new Uint8Array(stream)))
          expect(d.bufferedBytes).toBe(trailing)
        },
      ),
    )
  })
})
