/**
 * Frames gathered for one transport write. Frames produced in the same tick are
 * collected here and leave together: headers and small payload pieces are
 * encoded/copied into one contiguous buffer (one chunk for many small frames),
 * while large payload pieces (at least `PASS_THROUGH_BYTES`) are not copied at
 * all: they leave as the writer's own chunks (subarrays), between the runs of
 * small bytes. A transport that coalesces the writes of a tick (TCP: cork +
 * writev; Noise: one encryption batch) still sends them in one go.
 */
import { HEADER_LENGTH } from './constants.js'
import { encodeHeader } from './frame.js'

/** Payload pieces this large are passed through rather than copied. */
export const PASS_THROUGH_BYTES = 8 * 1024

/**
 * Small runs (a few headers, a short message) are carved from a shared slab rather than
 * each getting an ArrayBuffer of its own: allocating (and later sweeping) an ArrayBuffer
 * costs far more than the bytes. A slab is never written twice; it is freed once no chunk
 * cut from it is alive (like Node's `Buffer` pool). The cost: a reader that keeps a small
 * received piece may keep its 16 KiB slab alive.
 */
const SLAB_BYTES = 16 * 1024
const SLAB_MAX_RUN = 1024
let slab = new Uint8Array(0)
let slabOffset = 0

function allocate(size: number): Uint8Array {
  if (size > SLAB_MAX_RUN) return new Uint8Array(size)
  if (slabOffset + size > slab.byteLength) {
    slab = new Uint8Array(SLAB_BYTES)
    slabOffset = 0
  }
  const buf = slab.subarray(slabOffset, slabOffset + size)
  // 8-byte aligned starts, like Node's pool.
  slabOffset = (slabOffset + size + 7) & ~7
  return buf
}

export class FrameBatch {
  // Per frame: type, flags, stream id, length, number of payload pieces.
  #meta: number[] = []
  #pieces: Uint8Array[] = []
  #frames = 0
  /** Bytes that will be copied into the contiguous buffer (headers and small pieces). */
  #copied = 0
  /** Bytes the batch will write. */
  size = 0

  /** Adds a header. For a Data frame, follow with `piece()` calls summing to `length`. */
  frame(type: number, flags: number, streamId: number, length: number): void {
    this.#meta.push(type, flags, streamId, length, 0)
    this.#frames++
    this.size += HEADER_LENGTH
    this.#copied += HEADER_LENGTH
  }

  /** Adds a payload piece (borrowed until `take()`, then handed on) to the last frame. */
  piece(bytes: Uint8Array): void {
    this.#pieces.push(bytes)
    this.#meta[this.#meta.length - 1]!++
    this.size += bytes.byteLength
    if (bytes.byteLength < PASS_THROUGH_BYTES) this.#copied += bytes.byteLength
  }

  get frames(): number {
    return this.#frames
  }

  /** Drops everything added since the last `take()`. */
  clear(): void {
    this.#meta.length = 0
    this.#pieces.length = 0
    this.#frames = 0
    this.#copied = 0
    this.size = 0
  }

  /**
   * The batch as chunks to write in order: freshly allocated runs of headers and
   * small pieces, and the large pieces themselves. The batch is empty afterwards.
   */
  take(): Uint8Array[] {
    const out: Uint8Array[] = []
    const buf = allocate(this.#copied)
    const meta = this.#meta
    const pieces = this.#pieces
    let offset = 0
    let runStart = 0
    let p = 0
    for (let i = 0; i < meta.length; i += 5) {
      offset = encodeHeader(buf, offset, meta[i]!, meta[i + 1]!, meta[i + 2]!, meta[i + 3]!)
      for (let n = meta[i + 4]!; n > 0; n--) {
        const piece = pieces[p++]!
        if (piece.byteLength < PASS_THROUGH_BYTES) {
          buf.set(piece, offset)
          offset += piece.byteLength
        } else {
          if (offset > runStart) out.push(buf.subarray(runStart, offset))
          runStart = offset
          out.push(piece)
        }
      }
    }
    if (offset > runStart)
      out.push(runStart === 0 && offset === buf.byteLength ? buf : buf.subarray(runStart, offset))
    meta.length = 0
    pieces.length = 0
    this.#frames = 0
    this.#copied = 0
    this.size = 0
    return out
  }
}
