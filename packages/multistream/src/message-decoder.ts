/**
 * A push-based decoder of multistream-select messages: a uvarint length prefix,
 * then that many bytes ending in `\n` (spec "Note 1" and "Note 2").
 *
 * It keeps no list of chunks: a message that lies inside one chunk is returned as a
 * `subarray` of it (no copy); only a message split across chunks is assembled, into
 * a buffer no larger than `MAX_MESSAGE_BYTES`, allocated once the length is known.
 * Nothing past the end of the current message is ever read, so the caller can hand
 * the rest of the chunk on untouched (the application data after a negotiation).
 */
import { MAX_MESSAGE_BYTES, NEWLINE } from './constants.js'
import { MultistreamError } from './errors.js'

// 1024 encodes as two uvarint bytes (0x80 0x08); a third continuation byte
// announces at least 2^14 bytes, so the prefix is refused before it is read whole.
const MAX_PREFIX_BYTES = 2

export class MessageDecoder {
  // Length-prefix state.
  #length = 0
  #prefixBytes = 0
  // Body state: `#body` is set only while a message spans chunks.
  #inBody = false
  #body: Uint8Array | null = null
  #filled = 0
  /** The last decoded message, without its newline (borrowed: a view of a chunk). */
  message: Uint8Array | undefined

  /** True when no message is partly decoded. */
  get idle(): boolean {
    return !this.#inBody && this.#prefixBytes === 0
  }

  /**
   * Decodes from `chunk[offset..]` up to the end of one message and returns the
   * offset after it, with the message in `message`; or consumes the whole chunk
   * (returns `chunk.byteLength`) leaving `message` undefined when it needs more.
   * Throws `MultistreamError` on a framing violation.
   */
  decode(chunk: Uint8Array, offset: number): number {
    this.message = undefined
    const end = chunk.byteLength
    let i = offset
    if (!this.#inBody) {
      for (;;) {
        if (i >= end) return end
        const b = chunk[i++]!
        this.#length |= (b & 0x7f) << (7 * this.#prefixBytes)
        this.#prefixBytes++
        if ((b & 0x80) === 0) {
          // A zero last byte after the first is a non-minimal encoding (go-varint
          // refuses it too): two encodings of one length would be a smuggling aid.
          if (b === 0 && this.#prefixBytes > 1) throw invalid('non-minimal length prefix')
          break
        }
        if (this.#prefixBytes === MAX_PREFIX_BYTES) throw tooLong(`more than ${MAX_MESSAGE_BYTES}`)
      }
      const length = this.#length
      this.#length = 0
      this.#prefixBytes = 0
      if (length > MAX_MESSAGE_BYTES) throw tooLong(String(length))
      if (length === 0) throw invalid('empty message')
      if (end - i >= length) {
        // Whole message in this chunk: a view, no copy.
        const stop = i + length
        if (chunk[stop - 1] !== NEWLINE) throw invalid('message without trailing newline')
        this.message = chunk.subarray(i, stop - 1)
        return stop
      }
      this.#inBody = true
      this.#body = new Uint8Array(length)
      this.#filled = 0
    }
    const body = this.#body!
    const take = Math.min(body.byteLength - this.#filled, end - i)
    body.set(chunk.subarray(i, i + take), this.#filled)
    this.#filled += take
    i += take
    if (this.#filled < body.byteLength) return i
    this.#inBody = false
    this.#body = null
    if (body[body.byteLength - 1] !== NEWLINE) throw invalid('message without trailing newline')
    this.message = body.subarray(0, body.byteLength - 1)
    return i
  }
}

function tooLong(what: string): MultistreamError {
  return new MultistreamError(
    'MULTISTREAM_MESSAGE_TOO_LONG',
    `message length ${what} exceeds ${MAX_MESSAGE_BYTES} bytes`,
  )
}

function invalid(what: string): MultistreamError {
  return new MultistreamError('MULTISTREAM_INVALID_MESSAGE', `invalid multistream message: ${what}`)
}
