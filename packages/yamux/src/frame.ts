/**
 * Pure encode/decode of the 12-byte yamux header (libp2p/specs yamux/README.md,
 * "Framing"): version u8, type u8, flags u16, stream id u32, length u32, all big endian.
 */
import { HEADER_LENGTH, MAX_UINT32 } from './constants.js'

/** A decoded frame header. `length` is the payload size (Data), a window delta, a ping id or a GoAway code. */
export interface FrameHeader {
  version: number
  type: number
  flags: number
  streamId: number
  length: number
}

/**
 * Writes the header into `out` at `offset` (caller's buffer, at least 12 bytes free)
 * and returns the offset after it. Throws RangeError on out-of-range fields.
 */
export function encodeHeader(
  out: Uint8Array,
  offset: number,
  type: number,
  flags: number,
  streamId: number,
  length: number,
  version = 0,
): number {
  if (offset < 0 || offset + HEADER_LENGTH > out.byteLength) throw new RangeError('header does not fit')
  if (!isU32(streamId) || !isU32(length)) throw new RangeError('stream id and length must be u32')
  if ((flags & 0xffff) !== flags || (type & 0xff) !== type) throw new RangeError('bad type or flags')
  out[offset] = version
  out[offset + 1] = type
  out[offset + 2] = flags >>> 8
  out[offset + 3] = flags & 0xff
  writeU32(out, offset + 4, streamId)
  writeU32(out, offset + 8, length)
  return offset + HEADER_LENGTH
}

/** Reads a header from `bytes` at `offset` (12 bytes must be available). Validation is the caller's. */
export function decodeHeader(bytes: Uint8Array, offset = 0): FrameHeader {
  if (offset < 0 || offset + HEADER_LENGTH > bytes.byteLength)
    throw new RangeError('need 12 bytes for a header')
  return {
    version: bytes[offset]!,
    type: bytes[offset + 1]!,
    flags: (bytes[offset + 2]! << 8) | bytes[offset + 3]!,
    streamId: readU32(bytes, offset + 4),
    length: readU32(bytes, offset + 8),
  }
}

/** A freshly allocated 12-byte header (for tests and raw-frame tools). */
export function headerBytes(
  type: number,
  flags: number,
  streamId: number,
  length: number,
  version = 0,
): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH)
  encodeHeader(out, 0, type, flags, streamId, length, version)
  return out
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_UINT32
}

function writeU32(out: Uint8Array, offset: number, n: number): void {
  out[offset] = n >>> 24
  out[offset + 1] = (n >>> 16) & 0xff
  out[offset + 2] = (n >>> 8) & 0xff
  out[offset + 3] = n & 0xff
}

function readU32(b: Uint8Array, offset: number): number {
  // `* 2 ** 24` instead of `<< 24` so the top bit does not make the value negative.
  return b[offset]! * 0x100_0000 + ((b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!)
}
