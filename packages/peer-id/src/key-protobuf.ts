/**
 * The libp2p `PublicKey` / `PrivateKey` protobuf messages
 * (../shared/specs/libp2p/peer-ids/peer-ids.md §Keys):
 *
 * ```protobuf
 * message PublicKey { required KeyType Type = 1; required bytes Data = 2; }
 * ```
 *
 * The spec requires deterministic encoding (minimal varints, tag order, all
 * fields, no other fields). We encode that way and also decode strictly: any
 * other encoding is a typed {@link KeyError}. A peer id is the hash of these
 * bytes, so accepting a second encoding of one key would give it two ids.
 * (go-libp2p and js-libp2p decode leniently and re-encode; every encoder in the
 * wild is deterministic, so the strictness costs no interop.)
 */
import { KeyError } from './errors.js'

/** The `KeyType` enum values (peer-ids.md §Keys). */
export const KeyTypeCode = { RSA: 0, Ed25519: 1, secp256k1: 2, ECDSA: 3 } as const

/** The four libp2p key types, spelled as js-libp2p spells them. */
export type KeyType = keyof typeof KeyTypeCode

const KEY_TYPES: readonly KeyType[] = ['RSA', 'Ed25519', 'secp256k1', 'ECDSA']

/** Largest `Data` we accept: an 8192-bit RSA PKCS#1 private key is ~4.7 KiB. */
export const MAX_KEY_DATA_BYTES = 8192

/** A decoded key message; `data` is a view into the input (borrowed, not copied). */
export interface KeyMessage {
  type: KeyType
  data: Uint8Array
}

function varintLength(n: number): number {
  let len = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    len++
  }
  return len
}

/** Encodes `{Type, Data}` deterministically into a freshly allocated buffer. */
export function encodeKeyMessage(type: KeyType, data: Uint8Array): Uint8Array {
  const len = data.byteLength
  const out = new Uint8Array(2 + 1 + varintLength(len) + len)
  out[0] = 0x08 // field 1, wire type 0 (varint)
  out[1] = KeyTypeCode[type]
  out[2] = 0x12 // field 2, wire type 2 (length-delimited)
  let pos = 3
  let n = len
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  out[pos++] = n
  out.set(data, pos)
  return out
}

/** Reads a minimal varint of at most 4 bytes (28 bits is ample for these messages). */
function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0
  for (let i = 0; i < 4; i++) {
    if (pos + i >= buf.byteLength)
      throw new KeyError('KEY_PROTOBUF_TRUNCATED', 'key protobuf: truncated varint')
    const b = buf[pos + i] as number
    value |= (b & 0x7f) << (7 * i)
    if ((b & 0x80) === 0) {
      // Minimal encoding (peer-ids.md §Keys rule 1): a multi-byte varint may not end in 0x00.
      if (b === 0 && i > 0) throw new KeyError('KEY_PROTOBUF_MALFORMED', 'key protobuf: non-minimal varint')
      return [value, pos + i + 1]
    }
  }
  throw new KeyError('KEY_PROTOBUF_MALFORMED', 'key protobuf: varint too long')
}

/**
 * Decodes a `PublicKey` or `PrivateKey` message (they share one layout).
 * The returned `data` is a subarray of `buf`.
 */
export function decodeKeyMessage(buf: Uint8Array): KeyMessage {
  if (!(buf instanceof Uint8Array)) throw new TypeError('key protobuf must be a Uint8Array')
  if (buf.byteLength === 0) throw new KeyError('KEY_PROTOBUF_TRUNCATED', 'key protobuf: empty')
  // Field 1 (Type), varint. Anything else first breaks tag order or omits Type.
  const tag1 = buf[0] as number
  if (tag1 !== 0x08) {
    if (tag1 >> 3 === 1)
      throw new KeyError('KEY_PROTOBUF_MALFORMED', 'key protobuf: Type has the wrong wire type')
    throw new KeyError('KEY_PROTOBUF_NOT_CANONICAL', 'key protobuf: first field is not Type')
  }
  const [code, afterType] = readVarint(buf, 1)
  const type = KEY_TYPES[code]
  if (type === undefined) throw new KeyError('KEY_UNKNOWN_TYPE', `key protobuf: unknown key type ${code}`)
  if (afterType >= buf.byteLength) throw new KeyError('KEY_PROTOBUF_TRUNCATED', 'key protobuf: Data missing')
  const tag2 = buf[afterType] as number
  if (tag2 !== 0x12) {
    if (tag2 >> 3 === 2)
      throw new KeyError('KEY_PROTOBUF_MALFORMED', 'key protobuf: Data has the wrong wire type')
    throw new KeyError('KEY_PROTOBUF_NOT_CANONICAL', 'key protobuf: second field is not Data')
  }
  const [len, start] = readVarint(buf, afterType + 1)
  if (len > MAX_KEY_DATA_BYTES)
    throw new KeyError('KEY_SIZE', `key protobuf: Data of ${len} bytes is too large`)
  const end = start + len
  if (end > buf.byteLength) throw new KeyError('KEY_PROTOBUF_TRUNCATED', 'key protobuf: Data truncated')
  if (end !== buf.byteLength) {
    throw new KeyError('KEY_PROTOBUF_NOT_CANONICAL', 'key protobuf: extra fields after Data')
  }
  return { type, data: buf.subarray(start, end) }
}
