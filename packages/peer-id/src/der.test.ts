import { SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { readOnly, readSequence, readTlv, TAG_INTEGER, TAG_SEQUENCE, unsignedInteger } from './der.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (SwitchyardError.is(err)) return err.code
    throw err
  }
  return undefined
}

describe('DER reader', () => {
  it('reads short and long lengths', () => {
    expect(readTlv(hex('0201ff'), 0)).toMatchObject({ tag: 2, end: 3 })
    const long = new Uint8Array([0x04, 0x81, 0x80, ...new Uint8Array(0x80)])
    expect(readTlv(long, 0).value.byteLength).toBe(0x80)
    expect(readSequence(readOnly(hex('3006020101020102'), TAG_SEQUENCE)).map((t) => t.tag)).toEqual([
      TAG_INTEGER,
      TAG_INTEGER,
    ])
  })

  it.each([
    ['truncated header', '30'],
    ['truncated value', '30030201'],
    ['non-minimal long length', '30810100'],
    ['zero-padded long length', '3082000100'],
    ['indefinite length', '3080'],
    ['high tag number', '1f0100'],
    ['trailing bytes', '300000'],
    ['wrong tag', '0400'],
  ])('rejects %s', (_n, h) => {
    expect(code(() => readOnly(hex(h), TAG_SEQUENCE))).toBe('KEY_INVALID')
  })

  it('INTEGER: strips one sign byte, rejects negative and non-minimal values', () => {
    expect(unsignedInteger(readTlv(hex('020200ff'), 0))).toEqual(hex('ff'))
    expect(unsignedInteger(readTlv(hex('020100'), 0))).toEqual(hex('00'))
    expect(code(() => unsignedInteger(readTlv(hex('0201ff'), 0)))).toBe('KEY_INVALID')
    expect(code(() => unsignedInteger(readTlv(hex('0202007f'), 0)))).toBe('KEY_INVALID')
    expect(code(() => unsignedInteger(readTlv(hex('0200'), 0)))).toBe('KEY_INVALID')
  })
})
