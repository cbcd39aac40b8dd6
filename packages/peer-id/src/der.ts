/**
 * A minimal strict DER reader (ITU-T X.690 §10): just enough to take apart the
 * SubjectPublicKeyInfo structures (RFC 5280 §4.1) that carry ECDSA and RSA public
 * keys. Definite, minimal lengths only; any deviation is a `KEY_INVALID` error.
 */
import { KeyError } from './errors.js'

export const TAG_INTEGER = 0x02
export const TAG_BIT_STRING = 0x03
export const TAG_NULL = 0x05
export const TAG_OID = 0x06
export const TAG_SEQUENCE = 0x30

/** One TLV: its tag and its contents as a subarray of the input. */
export interface Tlv {
  tag: number
  value: Uint8Array
  /** Offset just past this TLV in the buffer it was read from. */
  end: number
}

function bad(what: string): KeyError {
  return new KeyError('KEY_INVALID', `DER: ${what}`)
}

/** Reads the TLV at `pos` of `buf` (X.690 §8.1). */
export function readTlv(buf: Uint8Array, pos: number): Tlv {
  if (pos + 2 > buf.byteLength) throw bad('truncated header')
  const tag = buf[pos] as number
  if ((tag & 0x1f) === 0x1f) throw bad('high tag numbers are not used here')
  let len = buf[pos + 1] as number
  let start = pos + 2
  if (len & 0x80) {
    const n = len & 0x7f
    // Long form: at most 3 length bytes (16 MiB) — keys here are a few KiB at most.
    if (n === 0 || n > 3) throw bad('unsupported length form')
    if (start + n > buf.byteLength) throw bad('truncated length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number)
    // X.690 §10.1: the shortest length encoding.
    if (len < 0x80 || (buf[start] as number) === 0) throw bad('non-minimal length')
    start += n
  }
  const end = start + len
  if (end > buf.byteLength) throw bad('truncated value')
  return { tag, value: buf.subarray(start, end), end }
}

/** Reads the whole of `buf` as one TLV of `tag` (no trailing bytes). */
export function readOnly(buf: Uint8Array, tag: number): Uint8Array {
  const tlv = readTlv(buf, 0)
  if (tlv.tag !== tag) throw bad(`expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`)
  if (tlv.end !== buf.byteLength) throw bad('trailing bytes')
  return tlv.value
}

/** Splits the contents of a SEQUENCE into its elements. */
export function readSequence(contents: Uint8Array): Tlv[] {
  const out: Tlv[] = []
  let pos = 0
  while (pos < contents.byteLength) {
    const tlv = readTlv(contents, pos)
    out.push(tlv)
    pos = tlv.end
  }
  return out
}

/** The contents of a BIT STRING with no unused bits (X.690 §8.6.2). */
export function bitStringBytes(tlv: Tlv): Uint8Array {
  if (tlv.tag !== TAG_BIT_STRING || tlv.value.byteLength === 0 || tlv.value[0] !== 0) {
    throw bad('expected a BIT STRING of whole bytes')
  }
  return tlv.value.subarray(1)
}

/** The magnitude bytes of a non-negative minimal INTEGER (X.690 §8.3), leading zero removed. */
export function unsignedInteger(tlv: Tlv): Uint8Array {
  const v = tlv.value
  if (tlv.tag !== TAG_INTEGER || v.byteLength === 0) throw bad('expected an INTEGER')
  if ((v[0] as number) & 0x80) throw bad('negative INTEGER')
  if (v.byteLength > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) throw bad('non-minimal INTEGER')
  return v[0] === 0 && v.byteLength > 1 ? v.subarray(1) : v
}

/**
 * Parses a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and returns the DER of its
 * AlgorithmIdentifier contents and the public key bit string.
 */
export function readSpki(der: Uint8Array): { algorithm: Tlv[]; key: Uint8Array } {
  const parts = readSequence(readOnly(der, TAG_SEQUENCE))
  const [alg, key] = parts
  if (parts.length !== 2 || alg === undefined || key === undefined || alg.tag !== TAG_SEQUENCE) {
    throw bad('SubjectPublicKeyInfo must be SEQUENCE { AlgorithmIdentifier, BIT STRING }')
  }
  return { algorithm: readSequence(alg.value), key: bitStringBytes(key) }
}

/** Hex of an OID's contents, for comparing against known OIDs. */
export function oidHex(tlv: Tlv | undefined): string | undefined {
  if (tlv?.tag !== TAG_OID) return undefined
  let hex = ''
  for (const b of tlv.value) hex += b.toString(16).padStart(2, '0')
  return hex
}
