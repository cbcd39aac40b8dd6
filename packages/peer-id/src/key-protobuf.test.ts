import { SwitchyardError } from '@switchyard/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeKeyMessage, encodeKeyMessage, type KeyType, MAX_KEY_DATA_BYTES } from './key-protobuf.js'

const TYPES: KeyType[] = ['RSA', 'Ed25519', 'secp256k1', 'ECDSA']

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (SwitchyardError.is(err)) return err.code
    throw err
  }
  return undefined
}

/** A protobuf encoder written the naive way, as reference for the optimised one. */
function naiveEncode(type: KeyType, data: Uint8Array): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = []
    while (n >= 0x80) {
      out.push((n % 128) | 0x80)
      n = Math.floor(n / 128)
    }
    out.push(n)
    return out
  }
  return Uint8Array.from([0x08, ...varint(TYPES.indexOf(type)), 0x12, ...varint(data.byteLength), ...data])
}

describe('key protobuf', () => {
  it('encodes the spec Ed25519 public key vector', () => {
    const data = Buffer.from('1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e', 'hex')
    expect(Buffer.from(encodeKeyMessage('Ed25519', data)).toString('hex')).toBe(
      '080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e',
    )
  })

  it('round-trips and matches a naive encoder (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), fc.uint8Array({ maxLength: 600 }), (type, data) => {
        const enc = encodeKeyMessage(type, data)
        expect(enc).toEqual(naiveEncode(type, data))
        const dec = decodeKeyMessage(enc)
        expect(dec.type).toBe(type)
        expect(dec.data).toEqual(data)
      }),
      { numRuns: 200 },
    )
  })

  it('reads a message at a non-zero byteOffset and returns a view', () => {
    const enc = encodeKeyMessage('Ed25519', new Uint8Array(32).fill(7))
    const big = new Uint8Array(enc.byteLength + 5)
    big.set(enc, 3)
    const view = big.subarray(3, 3 + enc.byteLength)
    const dec = decodeKeyMessage(view)
    expect(dec.data.buffer).toBe(big.buffer)
    expect(dec.data).toEqual(new Uint8Array(32).fill(7))
  })

  it.each([
    ['empty', '', 'KEY_PROTOBUF_TRUNCATED'],
    ['only Type tag', '08', 'KEY_PROTOBUF_TRUNCATED'],
    ['Type without Data', '0801', 'KEY_PROTOBUF_TRUNCATED'],
    ['Data tag without length', '080112', 'KEY_PROTOBUF_TRUNCATED'],
    ['Data truncated', '08011203aabb', 'KEY_PROTOBUF_TRUNCATED'],
    ['varint runs off the end', '0881', 'KEY_PROTOBUF_TRUNCATED'],
    ['Type as length-delimited', '0a0101', 'KEY_PROTOBUF_MALFORMED'],
    ['Data as varint', '08011001', 'KEY_PROTOBUF_MALFORMED'],
    ['non-minimal Type varint', '08810012020000', 'KEY_PROTOBUF_MALFORMED'],
    ['non-minimal Data length', '0801128200aabb', 'KEY_PROTOBUF_MALFORMED'],
    ['overlong varint', '0880808080800112', 'KEY_PROTOBUF_MALFORMED'],
    ['Data before Type', '1201aa0801', 'KEY_PROTOBUF_NOT_CANONICAL'],
    ['Type missing', '1201aa', 'KEY_PROTOBUF_NOT_CANONICAL'],
    ['Type repeated', '08010801', 'KEY_PROTOBUF_NOT_CANONICAL'],
    ['unknown field first', '1801', 'KEY_PROTOBUF_NOT_CANONICAL'],
    ['extra field after Data', '08011201aa1801', 'KEY_PROTOBUF_NOT_CANONICAL'],
    ['Data repeated', '08011201aa1201aa', 'KEY_PROTOBUF_NOT_CANONICAL'],
    ['unknown key type 4', '08041201aa', 'KEY_UNKNOWN_TYPE'],
    ['unknown key type 128', '088001', 'KEY_UNKNOWN_TYPE'],
  ])('rejects %s', (_name, hex, expected) => {
    expect(code(() => decodeKeyMessage(Buffer.from(hex, 'hex')))).toBe(expected)
  })

  it('rejects Data larger than the limit before looking for it', () => {
    const n = MAX_KEY_DATA_BYTES + 1
    const header = Uint8Array.from([0x08, 0x00, 0x12, (n & 0x7f) | 0x80, n >> 7])
    expect(code(() => decodeKeyMessage(header))).toBe('KEY_SIZE')
  })

  it('throws TypeError for a non-Uint8Array argument', () => {
    expect(() => decodeKeyMessage('0801' as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('arbitrary bytes decode or fail with a KeyError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const { type, data } = decodeKeyMessage(bytes)
          // Whatever is accepted is exactly the canonical encoding.
          expect(encodeKeyMessage(type, data)).toEqual(bytes)
        } catch (err) {
          expect(SwitchyardError.is(err)).toBe(true)
          expect((err as Error).name).toBe('KeyError')
        }
      }),
      { numRuns: 2000 },
    )
  })
})
