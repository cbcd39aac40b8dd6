/**
 * Incremental yamux frame decoder (libp2p/specs yamux/README.md, "Framing").
 *
 * Fed with the transport's chunks in order. Headers may span chunks (they are
 * gathered into a 12-byte scratch buffer); Data payloads are never copied: each
 * piece is handed on as a `subarray` of the chunk it arrived in, so a payload that
 * spans chunks arrives in several pieces. The sink sees `onHeader` before any
 * payload byte, so it can check lengths against its limits before anything is
 * buffered, and `onFrameEnd` after the last one (flags such as FIN apply there).
 */
import { FrameType, HEADER_LENGTH } from './constants.js'
import { decodeHeader, type FrameHeader } from './frame.js'

/** Receives decoded frames. A method that throws stops the decoder for good; the error propagates from `push`. */
export interface FrameSink {
  /** A header was decoded. The object is borrowed: it is reused for the next frame. */
  onHeader(header: FrameHeader): void
  /** A piece of the current Data frame's payload (never empty), taken over by the sink. */
  onPayload(header: FrameHeader, piece: Uint8Array): void
  /** The current frame is complete. */
  onFrameEnd(header: FrameHeader): void
}

export class FrameDecoder {
  readonly #sink: FrameSink
  /** A header split across chunks is gathered here; allocated the first time one is (rare). */
  #scratch: Uint8Array | undefined
  #scratchLength = 0
  #header: FrameHeader | undefined
  #remaining = 0
  #failed = false

  constructor(sink: FrameSink) {
    this.#sink = sink
  }

  /** Bytes held between calls (a partial header; payloads are never held). */
  get bufferedBytes(): number {
    return this.#scratchLength
  }

  /** A frame is partly received (header bytes or payload outstanding): an EOF now truncates it. */
  get midFrame(): boolean {
    return this.#scratchLength > 0 || this.#header !== undefined
  }

  /** Decodes everything in `chunk` (borrowed; payload pieces are subarrays of it). */
  push(chunk: Uint8Array): void {
    if (this.#failed) return
    try {
      this.#decode(chunk)
    } catch (err) {
      this.#failed = true
      throw err
    }
  }

  #decode(chunk: Uint8Array): void {
    const sink = this.#sink
    let offset = 0
    const end = chunk.byteLength
    while (offset < end && !this.#failed) {
      let header = this.#header
      if (header === undefined) {
        if (this.#scratchLength === 0 && end - offset >= HEADER_LENGTH) {
          header = decodeHeader(chunk, offset)
          offset += HEADER_LENGTH
        } else {
          const take = Math.min(HEADER_LENGTH - this.#scratchLength, end - offset)
          const scratch = (this.#scratch ??= new Uint8Array(HEADER_LENGTH))
          scratch.set(chunk.subarray(offset, offset + take), this.#scratchLength)
          this.#scratchLength += take
          offset += take
          if (this.#scratchLength < HEADER_LENGTH) return
          this.#scratchLength = 0
          header = decodeHeader(scratch, 0)
        }
        this.#header = header
        this.#remaining = header.type === FrameType.Data ? header.length : 0
        sink.onHeader(header)
        if (this.#failed) return
      }
      if (this.#remaining > 0) {
        if (offset === end) return
        const take = Math.min(this.#remaining, end - offset)
        const piece = chunk.subarray(offset, offset + take)
        offset += take
        this.#remaining -= take
        sink.onPayload(header, piece)
        if (this.#failed) return
        if (this.#remaining > 0) return
      }
      this.#header = undefined
      sink.onFrameEnd(header)
    }
  }

  /** Stop decoding for good (the session ended). */
  close(): void {
    this.#failed = true
    this.#header = undefined
  }
}
