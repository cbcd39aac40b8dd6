import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NoiseError } from './errors.js'
import { decodePayload, encodePayload } from './payload.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))

describe('handshake payload codec', () => {
  it('round-trips every field', () => {
    const p = {
      identityKey: new Uint8Array([8, 1, 18, 32, ...new Array(32).fill(7)]),
      identitySig: new Uint8Array(64).fill(9),
      extensions: {
        webtransportCerthashes: [new Uint8Array([0x12, 0x20, 1, 2])],
        streamMuxers: ['/yamux/1.0.0', '/mplex/6.7.0'],
      },
    }
    expect(decodePayload(encodePayload(p))).toEqual(p)
  })

  it('encodes in field order like protobuf serialisers do', () => {
    const bytes = encodePayload({
      identityKey: new Uint8Array([1]),
      identitySig: new Uint8Array([2]),
      extensions: { webtransportCerthashes: [], streamMuxers: ['/y'] },
    })
    // 0a 01 01 | 12 01 02 | 22 04 (12 02 2f 79)
    expect(Buffer.from(bytes).toString('hex')).toBe('0a0101120102220412022f79')
  })

  it('omits empty extensions', () => {
    const bytes = encodePayload({
      identityKey: new Uint8Array([1]),
      identitySig: new Uint8Array([2]),
      extensions: { webtransportCerthashes: [], streamMuxers: [] },
    })
    expect(decodePayload(bytes).extensions).toBeUndefined()
  })

  it('ignores unknown fields of every wire type', () => {
    // field 3 varint, field 5 fixed64, field 6 bytes, field 7 fixed32, then identity_key;
    // extensions with unknown field 9 (varint) and muxer '/y'.
    const bytes = hex(
      '18ac02' + '290102030405060708' + '3202aabb' + '3d01020304' + '0a0101' + '2206' + '4801' + '12022f79',
    )
    expect(decodePayload(bytes)).toEqual({
      identityKey: new Uint8Array([1]),
      identitySig: new Uint8Array(0),
      extensions: { webtransportCerthashes: [], streamMuxers: ['/y'] },
    })
  })

  it('merges a repeated extensions field', () => {
    const bytes = hex('220412022f61' + '220412022f62')
    expect(decodePayload(bytes).extensions?.streamMuxers).toEqual(['/a', '/b'])
  })

  it('rejects malformed input with NOISE_INVALID_PAYLOAD', () => {
    for (const bad of [
      '0a05010203',
      '0b',
      '08',
      '00',
      '2203120a2f',
      '220212ff',
      '2202128' + '0',
      'ffffffffffffffffffff01',
    ]) {
      let err: unknown
      try {
        decodePayload(hex(bad.length % 2 === 0 ? bad : `${bad}0`))
      } catch (e) {
        err = e
      }
      expect(NoiseError.is(err, 'NOISE_INVALID_PAYLOAD'), bad).toBe(true)
    }
  })

  it('never throws anything but NOISE_INVALID_PAYLOAD on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodePayload(bytes)
        } catch (e) {
          expect(NoiseError.is(e, 'NOISE_INVALID_PAYLOAD')).toBe(true)
        }
      }),
    )
  })

  it('round-trips arbitrary payloads', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.array(fc.string({ minLength: 1 }), { maxLength: 4 }),
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 3 }),
        (identityKey, identitySig, streamMuxers, webtransportCerthashes) => {
          const p = { identityKey, identitySig, extensions: { streamMuxers, webtransportCerthashes } }
          expect(decodePayload(encodePayload(p))).toEqual(p)
        },
      ),
    )
  })
})
