import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Flag, FrameType } from './constants.js'
import { FrameDecoder } from './decoder.js'
import { type FrameHeader, headerBytes } from './frame.js'

interface Decoded {
  header: FrameHeader
  payload: Uint8Array
}

function collect(): { frames: Decoded[]; pieces: Uint8Array[]; decoder: FrameDecoder } {
  const frames: Decoded[] = []
  const pieces: Uint8Array[] = []
  let parts: Uint8Array[] = []
  const decoder = new FrameDecoder({
    onHeader: () => {
      parts = []
    },
    onPayload: (_h, piece) => {
      expect(piece.byteLength).toBeGreaterThan(0)
      parts.push(piece)
      pieces.push(piece)
    },
    onFrameEnd: (h) => frames.push({ header: { ...h }, payload: Buffer.concat(parts) }),
  })
  return { frames, pieces, decoder }
}

const frameArb = fc.record({
  type: fc.constantFrom(FrameType.Data, FrameType.WindowUpdate, FrameType.Ping, FrameType.GoAway),
  flags: fc.integer({ min: 0, max: 15 }),
  streamId: fc.integer({ min: 0, max: 0xffffffff }),
  payload: fc.uint8Array({ maxLength: 300 }),
  length: fc.integer({ min: 0, max: 0xffffffff }),
})

function encode(f: { type: number; flags: number; streamId: number; payload: Uint8Array; length: number }) {
  const isData = f.type === FrameType.Data
  const h = headerBytes(f.type, f.flags, f.streamId, isData ? f.payload.byteLength : f.length)
  return isData ? Buffer.concat([h, f.payload]) : h
}

describe('FrameDecoder', () => {
  it('decodes any frames fed in any chunk split', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 })),
        (fs, cuts) => {
          const wire = Buffer.concat(fs.map(encode))
          const { frames, decoder } = collect()
          let offset = 0
          let i = 0
          while (offset < wire.byteLength) {
            const n = cuts.length > 0 ? cuts[i++ % cuts.length]! : wire.byteLength
            decoder.push(wire.subarray(offset, offset + n))
            offset += n
          }
          expect(frames).toHaveLength(fs.length)
          fs.forEach((f, k) => {
            const got = frames[k]!
            expect(got.header.type).toBe(f.type)
            expect(got.header.flags).toBe(f.flags)
            expect(got.header.streamId).toBe(f.streamId)
            if (f.type === FrameType.Data) expect(Buffer.from(got.payload).equals(f.payload)).toBe(true)
            else expect(got.header.length).toBe(f.length)
          })
          expect(decoder.bufferedBytes).toBe(0)
        },
      ),
    )
  })

  it('hands payloads on as subarrays of the input chunk (no copy)', () => {
    const { pieces, decoder } = collect()
    const wire = Buffer.concat([headerBytes(FrameType.Data, 0, 1, 5), Buffer.from('hello')])
    decoder.push(wire)
    expect(pieces[0]!.buffer).toBe(wire.buffer)
    // Split in the middle of the payload: two pieces, both views of their chunks.
    const a = wire.subarray(0, 14)
    const b = wire.subarray(14)
    decoder.push(a)
    decoder.push(b)
    expect(pieces.slice(1).map((p) => p.buffer)).toEqual([a.buffer, b.buffer])
  })

  it('calls onHeader before any payload byte, and onFrameEnd after the last (FIN after data)', () => {
    const events: string[] = []
    const decoder = new FrameDecoder({
      onHeader: (h) => events.push(`header ${h.length}`),
      onPayload: (_h, p) => events.push(`data ${p.byteLength}`),
      onFrameEnd: (h) => events.push(`end ${h.flags}`),
    })
    const wire = Buffer.concat([headerBytes(FrameType.Data, Flag.FIN, 1, 3), Buffer.from('abc')])
    decoder.push(wire.subarray(0, 5))
    expect(events).toEqual([])
    decoder.push(wire.subarray(5, 13))
    expect(events).toEqual(['header 3', 'data 1'])
    decoder.push(wire.subarray(13))
    expect(events).toEqual(['header 3', 'data 1', 'data 2', `end ${Flag.FIN}`])
  })

  it('stops for good after a sink throws', () => {
    let headers = 0
    const decoder = new FrameDecoder({
      onHeader: () => {
        headers++
        throw new Error('bad')
      },
      onPayload: () => {},
      onFrameEnd: () => {},
    })
    const wire = Buffer.concat([headerBytes(1, 0, 1, 0), headerBytes(1, 0, 1, 0)])
    expect(() => decoder.push(wire)).toThrow('bad')
    decoder.push(wire)
    expect(headers).toBe(1)
  })
})
