/**
 * Splits a byte stream into libp2p noise frames (libp2p noise spec §Wire Format):
 * a 2-byte big-endian length, then that many bytes. Incoming chunks are kept as
 * a list; a frame that lies inside one chunk is returned as a view of it (no
 * copy), one that straddles chunks is joined into a fresh buffer.
 *
 * The decoder never holds more than what was pushed and not yet taken: the
 * channel decodes every complete frame as soon as a chunk arrives, so at rest it
 * holds less than one frame (≤ 65536 bytes).
 */

/** The largest `noise_message` (the length field is 16 bits). */
export const MAX_FRAME_BYTES = 0xffff

/** A chunk-list frame decoder. */
export class FrameDecoder {
  /** Received chunks, `#chunks[#head..]` unread; the shared `NO_CHUNKS` while empty (idle memory). */
  #chunks: Uint8Array[] = NO_CHUNKS
  #head = 0
  /** Offset of the first unread byte in `#chunks[#head]`. */
  #offset = 0
  #bytes = 0

  /** Bytes buffered and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#bytes
  }

  /** Appends a chunk (borrowed until the frames that use it are consumed). */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return
    // A one-element literal: push() onto [] would reserve 17 slots.
    if (this.#chunks === NO_CHUNKS) this.#chunks = [chunk]
    else this.#chunks.push(chunk)
    this.#bytes += chunk.byteLength
  }

  /** The next complete frame's body, or `undefined` until more bytes arrive. */
  next(): Uint8Array | undefined {
    const len = this.#peekLength()
    if (len < 0 || this.#bytes < 2 + len) return undefined
    this.#skip(2)
    return this.#take(len)
  }

  /** The length field of the next frame, or -1 while fewer than 2 bytes are buffered. */
  #peekLength(): number {
    if (this.#bytes < 2) return -1
    const first = this.#chunks[this.#head]!
    if (first.byteLength - this.#offset >= 2) return (first[this.#offset]! << 8) | first[this.#offset + 1]!
    return (first[this.#offset]! << 8) | this.#chunks[this.#head + 1]![0]!
  }

  /**
   * The next complete frame's body as views of the received chunks (one view
   * when it lies in one chunk, several when it straddles chunks; never a copy),
   * or `undefined` until more bytes arrive. An empty frame is `[]`.
   */
  nextPieces(): Uint8Array[] | undefined {
    const len = this.#peekLength()
    if (len < 0 || this.#bytes < 2 + len) return undefined
    this.#skip(2)
    this.#bytes -= len
    const pieces: Uint8Array[] = []
    let n = len
    while (n > 0) {
      const c = this.#chunks[this.#head]!
      const avail = c.byteLength - this.#offset
      if (n < avail) {
        pieces.push(c.subarray(this.#offset, this.#offset + n))
        this.#offset += n
        break
      }
      pieces.push(this.#offset === 0 ? c : c.subarray(this.#offset))
      n -= avail
      this.#advanceChunk()
    }
    return pieces
  }

  /** Drops everything (on close). */
  clear(): void {
    this.#chunks = NO_CHUNKS
    this.#head = 0
    this.#offset = 0
    this.#bytes = 0
  }

  #skip(n: number): void {
    this.#bytes -= n
    while (n > 0) {
      const c = this.#chunks[this.#head]!
      const avail = c.byteLength - this.#offset
      if (n < avail) {
        this.#offset += n
        return
      }
      n -= avail
      this.#advanceChunk()
    }
  }

  #take(n: number): Uint8Array {
    if (n === 0) return EMPTY
    this.#bytes -= n
    const c = this.#chunks[this.#head]!
    const avail = c.byteLength - this.#offset
    if (n <= avail) {
      const out = c.subarray(this.#offset, this.#offset + n)
      if (n === avail) this.#advanceChunk()
      else this.#offset += n
      return out
    }
    const out = new Uint8Array(n)
    let o = 0
    while (o < n) {
      const chunk = this.#chunks[this.#head]!
      const piece = Math.min(n - o, chunk.byteLength - this.#offset)
      out.set(chunk.subarray(this.#offset, this.#offset + piece), o)
      o += piece
      if (piece === chunk.byteLength - this.#offset) this.#advanceChunk()
      else this.#offset += piece
    }
    return out
  }

  #advanceChunk(): void {
    this.#chunks[this.#head++] = EMPTY
    this.#offset = 0
    if (this.#head === this.#chunks.length) {
      this.#chunks = NO_CHUNKS
      this.#head = 0
    } else if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head)
      this.#head = 0
    }
  }
}

const EMPTY = new Uint8Array(0)
/** The chunk list of every empty decoder: never written (`push` replaces it first). */
const NO_CHUNKS: Uint8Array[] = []
