/**
 * Frames gathered for one transport write. Frames produced in the same tick are
 * collected here and leave as ONE buffer (one `channel.write()`): headers are
 * encoded straight into it and payload pieces copied once.
 */
import { HEADER_LENGTH } from './constants.js'
import { encodeHeader } from './frame.js'

export class FrameBatch {
  // Per frame: type, flags, stream id, length, number of payload pieces.
  #meta: number[] = []
  #pieces: Uint8Array[] = []
  #frames = 0
  /** Bytes the batch will write. */
  size = 0

  /** Adds a header. For a Data frame, follow with `piece()` calls summing to `length`. */
  frame(type: number, flags: number, streamId: number, length: number): void {
    this.#meta.push(type, flags, streamId, length, 0)
    this.#frames++
    this.size += HEADER_LENGTH
  }

  /** Adds a payload piece (borrowed until `take()`) to the last frame. */
  piece(bytes: Uint8Array): void {
    this.#pieces.push(bytes)
    this.#meta[this.#meta.length - 1]!++
    this.size += bytes.byteLength
  }

  get frames(): number {
    return this.#frames
  }

  /** A freshly allocated buffer holding every frame; the batch is empty afterwards. */
  take(): Uint8Array {
    const out = new Uint8Array(this.size)
    const meta = this.#meta
    const pieces = this.#pieces
    let offset = 0
    let p = 0
    for (let i = 0; i < meta.length; i += 5) {
      offset = encodeHeader(out, offset, meta[i]!, meta[i + 1]!, meta[i + 2]!, meta[i + 3]!)
      for (let n = meta[i + 4]!; n > 0; n--) {
        const piece = pieces[p++]!
        out.set(piece, offset)
        offset += piece.byteLength
      }
    }
    this.#meta = []
    this.#pieces = []
    this.#frames = 0
    this.size = 0
    return out
  }
}
