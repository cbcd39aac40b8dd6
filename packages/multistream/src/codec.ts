/**
 * Encoding of multistream-select messages, with a cache of pre-encoded messages
 * for the protocol ids a process negotiates over and over (every stream open).
 */
import { MAX_PROTOCOL_LENGTH, NEWLINE, PROTOCOL_ID } from './constants.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** One protocol id, encoded once. All fields are shared: never write them out directly. */
export interface EncodedProtocol {
  readonly id: string
  /** The id as UTF-8, for comparing with received messages. */
  readonly bytes: Uint8Array
  /** The message: `uvarint(len + 1) | id | \n`. */
  readonly message: Uint8Array
  /** The header message followed by this message: the initiator's first write. */
  readonly withHeader: Uint8Array
}

/** Encodes `text` as one message: `uvarint(len + 1) | text | \n` (freshly allocated). */
export function encodeMessage(text: Uint8Array): Uint8Array {
  const length = text.byteLength + 1
  const prefix = length < 0x80 ? 1 : 2
  const out = new Uint8Array(prefix + length)
  writePrefix(out, 0, length)
  out.set(text, prefix)
  out[out.byteLength - 1] = NEWLINE
  return out
}

/** The length of a uvarint prefix for a message of `length` bytes (≤ 1024 here). */
function writePrefix(out: Uint8Array, offset: number, length: number): number {
  if (length < 0x80) {
    out[offset] = length
    return 1
  }
  out[offset] = (length & 0x7f) | 0x80
  out[offset + 1] = length >>> 7
  return 2
}

/** `/multistream/1.0.0` as UTF-8, for comparing with the first received message. */
export const HEADER_BYTES: Uint8Array = encoder.encode(PROTOCOL_ID)
/** The header message. Shared: copy before writing. */
export const HEADER_MESSAGE: Uint8Array = encodeMessage(HEADER_BYTES)
/** `na` as bytes. */
export const NA_BYTES: Uint8Array = encoder.encode('na')
/** The `na` message. Shared: copy before writing. */
export const NA_MESSAGE: Uint8Array = encodeMessage(NA_BYTES)
/** `ls` as bytes. */
export const LS_BYTES: Uint8Array = encoder.encode('ls')

/**
 * Checks a protocol id given by the caller and encodes it. Throws `TypeError` for a
 * non-string or empty id, `RangeError` for an id over `MAX_PROTOCOL_LENGTH` bytes
 * or one containing a newline (it would end the message early).
 */
export function encodeProtocol(id: string): EncodedProtocol {
  const cached = cache.get(id)
  if (cached !== undefined) return cached
  if (typeof id !== 'string' || id.length === 0)
    throw new TypeError('a protocol id must be a non-empty string')
  const bytes = encoder.encode(id)
  if (bytes.byteLength > MAX_PROTOCOL_LENGTH) {
    throw new RangeError(`protocol id is ${bytes.byteLength} bytes, the limit is ${MAX_PROTOCOL_LENGTH}`)
  }
  if (bytes.includes(NEWLINE)) throw new RangeError('a protocol id must not contain a newline')
  const message = encodeMessage(bytes)
  const withHeader = new Uint8Array(HEADER_MESSAGE.byteLength + message.byteLength)
  withHeader.set(HEADER_MESSAGE, 0)
  withHeader.set(message, HEADER_MESSAGE.byteLength)
  const encoded: EncodedProtocol = { id, bytes, message, withHeader }
  // Bounded: a process that negotiates endless distinct ids just re-encodes.
  if (cache.size >= CACHE_ENTRIES) cache.clear()
  cache.set(id, encoded)
  return encoded
}

const CACHE_ENTRIES = 512
const cache = new Map<string, EncodedProtocol>()

/**
 * The `ls` response (spec "ls example in detail"): one message whose body is every
 * protocol as its own message, then a `\n`. Freshly allocated.
 */
export function encodeLsResponse(protocols: readonly EncodedProtocol[]): Uint8Array {
  let bodyLength = 1
  for (const p of protocols) bodyLength += p.message.byteLength
  const prefix = uvarintLength(bodyLength)
  const out = new Uint8Array(prefix + bodyLength)
  let offset = writeUvarint(out, 0, bodyLength)
  for (const p of protocols) {
    out.set(p.message, offset)
    offset += p.message.byteLength
  }
  out[offset] = NEWLINE
  return out
}

function uvarintLength(n: number): number {
  let bytes = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    bytes++
  }
  return bytes
}

function writeUvarint(out: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    out[offset++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 128)
  }
  out[offset++] = n
  return offset
}

/** Byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.byteLength
  if (n !== b.byteLength) return false
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Decodes a received protocol id. Ids are ASCII in practice, and for a few dozen
 * bytes `String.fromCharCode` beats `TextDecoder`; anything else goes through
 * `TextDecoder` (invalid UTF-8 becomes U+FFFD and simply matches nothing).
 */
export function decodeText(bytes: Uint8Array): string {
  const n = bytes.byteLength
  if (n > 64) return decoder.decode(bytes)
  let s = ''
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!
    if (c >= 0x80) return decoder.decode(bytes)
    s += String.fromCharCode(c)
  }
  return s
}

/** A copy of a shared pre-encoded message, for `write()` (which takes its chunk over). */
export function copyOf(bytes: Uint8Array): Uint8Array {
  return bytes.slice()
}
