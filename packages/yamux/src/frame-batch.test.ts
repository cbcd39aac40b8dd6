import { describe, expect, it } from 'vitest'
import { FrameType, HEADER_LENGTH } from './constants.js'
import { headerBytes } from './frame.js'
import { FrameBatch, PASS_THROUGH_BYTES } from './frame-batch.js'

const concat = (parts: Uint8Array[]) => Buffer.concat(parts)

describe('FrameBatch', () => {
  it('small frames leave as one contiguous chunk', () => {
    const b = new FrameBatch()
    b.frame(FrameType.Data, 0, 1, 3)
    b.piece(new Uint8Array([1, 2, 3]))
    b.frame(FrameType.WindowUpdate, 0, 1, 1000)
    expect(b.size).toBe(2 * HEADER_LENGTH + 3)
    const out = b.take()
    expect(out).toHaveLength(1)
    expect(concat(out)).toEqual(
      concat([headerBytes(FrameType.Data, 0, 1, 3), new Uint8Array([1, 2, 3]), headerBytes(1, 0, 1, 1000)]),
    )
    expect(b.size).toBe(0)
    expect(b.frames).toBe(0)
  })

  it('clear() drops what was added: the next take() has only what came after', () => {
    const b = new FrameBatch()
    b.frame(FrameType.Data, 0, 1, 2)
    b.piece(new Uint8Array([1, 2]))
    b.clear()
    expect(b.size).toBe(0)
    expect(b.frames).toBe(0)
    b.frame(FrameType.WindowUpdate, 0, 3, 5)
    expect(concat(b.take())).toEqual(Buffer.from(headerBytes(FrameType.WindowUpdate, 0, 3, 5)))
  })

  it('chunks of successive batches never share bytes: an earlier chunk keeps its content', () => {
    const b = new FrameBatch()
    const taken: Array<{ chunk: Uint8Array; copy: Uint8Array }> = []
    // Enough small batches to go through several shared slabs.
    for (let i = 0; i < 5000; i++) {
      b.frame(FrameType.Data, 0, 2 * i + 1, 1 + (i % 40))
      b.piece(new Uint8Array(1 + (i % 40)).fill(i & 0xff))
      const [chunk] = b.take()
      taken.push({ chunk: chunk!, copy: chunk!.slice() })
    }
    for (const { chunk, copy } of taken) expect(chunk).toEqual(copy)
    // And a large run is not cut from a slab.
    b.frame(FrameType.Data, 0, 1, 4000)
    b.piece(new Uint8Array(4000))
    const [big] = b.take()
    expect(big!.byteOffset).toBe(0)
    expect(big!.buffer.byteLength).toBe(4000 + HEADER_LENGTH)
  })

  it('large payload pieces are passed through uncopied, between runs of headers', () => {
    const big = new Uint8Array(PASS_THROUGH_BYTES + 5).fill(7)
    const view = new Uint8Array(100_000).fill(9).subarray(17, 17 + PASS_THROUGH_BYTES) // byteOffset != 0
    const b = new FrameBatch()
    b.frame(FrameType.Data, 0, 1, big.byteLength)
    b.piece(big)
    b.frame(FrameType.Data, 0, 3, view.byteLength + 2)
    b.piece(view)
    b.piece(new Uint8Array([4, 5]))
    const out = b.take()
    expect(out[1]).toBe(big)
    expect(out[3]).toBe(view)
    expect(out.map((c) => c.byteLength)).toEqual([
      HEADER_LENGTH,
      big.byteLength,
      HEADER_LENGTH,
      view.byteLength,
      2,
    ])
    expect(concat(out)).toEqual(
      concat([
        headerBytes(FrameType.Data, 0, 1, big.byteLength),
        big,
        headerBytes(FrameType.Data, 0, 3, view.byteLength + 2),
        view,
        new Uint8Array([4, 5]),
      ]),
    )
  })
})
