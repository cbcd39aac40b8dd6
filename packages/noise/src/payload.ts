/**
 * The libp2p handshake payload (libp2p noise spec §The libp2p Handshake Payload):
 *
 *   message NoiseExtensions {
 *     repeated bytes webtransport_certhashes = 1;
 *     repeated string stream_muxers = 2;
 *   }
 *   message NoiseHandshakePayload {
 *     optional bytes identity_key = 1;
 *     optional bytes identity_sig = 2;
 *     optional NoiseExtensions extensions = 4;
 *   }
 *
 * A hand-written proto2 codec: two tiny messages do not justify a protobuf
 * runtime. Unknown fields of any wire type but groups are skipped (proto2
 * forward compatibility), a repeated scalar field keeps the last value, and a
 * repeated `extensions` field is merged, as protobuf parsers do.
 */
import { NoiseError } from './errors.js'

/** The extensions of a handshake payload (libp2p noise spec §Noise Extensions). */
export interface NoiseExtensions {
  /** Multihashes of WebTransport certificates (code point 1). */
  webtransportCerthashes: Uint8Array[]
  /** Muxer protocol ids for early muxer negotiation (code point 2). */
  streamMuxers: string[]
}

/** A decoded `NoiseHandshakePayload`. */
export interface NoiseHandshakePayload {
  /** The sender's identity key, a libp2p `PublicKey` protobuf. Empty when absent. */
  identityKey: Uint8Array
  /** The signature over `"noise-libp2p-static-key:" ‖ static key`. Empty when absent. */
  identitySig: Uint8Array
  /** Absent when the sender sent no extensions field. */
  extensions?: NoiseExtensions | undefined
}

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

/** Encodes a payload (fresh buffer). */
export function encodePayload(payload: NoiseHandshakePayload): Uint8Array {
  const w = new Writer()
  if (payload.identityKey.byteLength > 0) w.bytesField(1, payload.identityKey)
  if (payload.identitySig.byteLength > 0) w.bytesField(2, payload.identitySig)
  const ext = payload.extensions
  if (ext !== undefined && (ext.webtransportCerthashes.length > 0 || ext.streamMuxers.length > 0)) {
    const e = new Writer()
    for (const h of ext.webtransportCerthashes) e.bytesField(1, h)
    for (const m of ext.streamMuxers) e.bytesField(2, utf8.encode(m))
    w.bytesField(4, e.finish())
  }
  return w.finish()
}

/** Decodes a payload; throws `NoiseError('NOISE_INVALID_PAYLOAD')`. Fields are copies. */
export function decodePayload(bytes: Uint8Array): NoiseHandshakePayload {
  const out: NoiseHandshakePayload = { identityKey: EMPTY, identitySig: EMPTY }
  const r = new Reader(bytes)
  while (!r.done) {
    const [field, wire] = r.tag()
    if (field === 1 && wire === 2) out.identityKey = copy(r.bytes())
    else if (field === 2 && wire === 2) out.identitySig = copy(r.bytes())
    else if (field === 4 && wire === 2) {
      const ext = decodeExtensions(r.bytes())
      if (out.extensions === undefined) out.extensions = ext
      else {
        out.extensions.webtransportCerthashes.push(...ext.webtransportCerthashes)
        out.extensions.streamMuxers.push(...ext.streamMuxers)
      }
    } else r.skip(wire)
  }
  return out
}

function decodeExtensions(bytes: Uint8Array): NoiseExtensions {
  const ext: NoiseExtensions = { webtransportCerthashes: [], streamMuxers: [] }
  const r = new Reader(bytes)
  while (!r.done) {
    const [field, wire] = r.tag()
    if (field === 1 && wire === 2) ext.webtransportCerthashes.push(copy(r.bytes()))
    else if (field === 2 && wire === 2) {
      try {
        ext.streamMuxers.push(utf8Strict.decode(r.bytes()))
      } catch (cause) {
        throw invalid('a stream muxer id is not UTF-8', cause)
      }
    } else r.skip(wire)
  }
  return ext
}

const EMPTY = new Uint8Array(0)

/** A plain `Uint8Array` copy (`Buffer#slice` would return a view). */
function copy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  return out
}

function invalid(message: string, cause?: unknown): NoiseError {
  return new NoiseError('NOISE_INVALID_PAYLOAD', `invalid handshake payload: ${message}`, { cause })
}

class Reader {
  #pos = 0
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.#pos >= this.buf.byteLength
  }

  varint(): number {
    let result = 0
    let mul = 1
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.buf.byteLength) throw invalid('truncated varint')
      const b = this.buf[this.#pos++]!
      result += (b & 0x7f) * mul
      if ((b & 0x80) === 0) return result
      mul *= 128
    }
    throw invalid('varint longer than 10 bytes')
  }

  tag(): [field: number, wire: number] {
    const t = this.varint()
    const field = Math.floor(t / 8)
    if (field === 0) throw invalid('field number 0')
    return [field, t % 8]
  }

  bytes(): Uint8Array {
    const n = this.varint()
    if (n > this.buf.byteLength - this.#pos) throw invalid('length-delimited field past the end')
    const out = this.buf.subarray(this.#pos, this.#pos + n)
    this.#pos += n
    return out
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint()
        return
      case 1:
        this.#advance(8)
        return
      case 2:
        this.bytes()
        return
      case 5:
        this.#advance(4)
        return
      default:
        throw invalid(`unsupported wire type ${wire}`)
    }
  }

  #advance(n: number): void {
    if (n > this.buf.byteLength - this.#pos) throw invalid('fixed field past the end')
    this.#pos += n
  }
}

class Writer {
  readonly #parts: number[] = []
  readonly #chunks: Array<number[] | Uint8Array> = []
  #size = 0

  bytesField(field: number, value: Uint8Array): void {
    this.#varint(field * 8 + 2)
    this.#varint(value.byteLength)
    this.#flushHeader()
    this.#chunks.push(value)
    this.#size += value.byteLength
  }

  #varint(n: number): void {
    while (n > 0x7f) {
      this.#parts.push((n & 0x7f) | 0x80)
      n = Math.floor(n / 128)
    }
    this.#parts.push(n)
  }

  #flushHeader(): void {
    this.#chunks.push(this.#parts.splice(0))
    this.#size += this.#chunks[this.#chunks.length - 1]!.length
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#size)
    let o = 0
    for (const c of this.#chunks) {
      out.set(c, o)
      o += c.length
    }
    return out
  }
}
