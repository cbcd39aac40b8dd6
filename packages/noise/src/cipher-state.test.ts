import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CipherState } from './cipher-state.js'
import type { NoiseCrypto } from './crypto.js'
import { nobleNoiseCrypto } from './crypto-noble.js'
import { nodeNoiseCrypto } from './crypto-node.js'
import { NoiseError } from './errors.js'

const backends: [string, NoiseCrypto][] = [
  ['node', nodeNoiseCrypto!],
  ['noble', nobleNoiseCrypto],
]
const EMPTY = new Uint8Array(0)

/** Cuts `bytes` at `cuts` (positions), as views with a non-zero byteOffset. */
function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const padded = new Uint8Array(bytes.byteLength + 5)
  padded.set(bytes, 5)
  const view = padded.subarray(5)
  const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let prev = 0
  for (const p of [...points, bytes.byteLength]) {
    if (p > prev) pieces.push(view.subarray(prev, p))
    prev = p
  }
  return pieces
}

const join = (pieces: Uint8Array[]) => Buffer.concat(pieces)

describe.each(backends)('CipherState (%s)', (_name, crypto) => {
  const key = new Uint8Array(32).fill(0x42)

  it('decryptPieces equals decryptWithAd for any split, the tag included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 6 }), (pt, cuts) => {
        const tx = new CipherState(crypto, key)
        const rx = new CipherState(crypto, key)
        const ct = tx.encryptWithAd(EMPTY, pt)
        const out = rx.decryptPieces(EMPTY, cutAt(ct, cuts), ct.byteLength)
        expect(join(out).equals(Buffer.from(pt))).toBe(true)
        expect(rx.nonce).toBe(1n)
      }),
      { numRuns: 60 },
    )
  })

  it('decryptPieces rejects any flipped bit and leaves the nonce unchanged', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 500 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 4 }),
        (pt, bit, cuts) => {
          const tx = new CipherState(crypto, key)
          const rx = new CipherState(crypto, key)
          const ct = tx.encryptWithAd(EMPTY, pt)
          const i = bit % (ct.byteLength * 8)
          ct[i >> 3]! ^= 1 << (i & 7)
          let err: unknown
          try {
            rx.decryptPieces(EMPTY, cutAt(ct, cuts), ct.byteLength)
          } catch (e) {
            err = e
          }
          expect(NoiseError.is(err, 'NOISE_DECRYPT_FAILED')).toBe(true)
          expect(rx.nonce).toBe(0n)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('seals into a buffer at an offset, with a byteOffset ≠ 0 plaintext', () => {
    const tx = new CipherState(crypto, key)
    const ref = new CipherState(crypto, key)
    const pt = new Uint8Array(100).fill(7).subarray(3, 90)
    const out = new Uint8Array(200)
    tx.sealInto(EMPTY, pt, out, 11)
    expect(
      Buffer.from(out.subarray(11, 11 + 87 + 16)).equals(Buffer.from(ref.encryptWithAd(EMPTY, pt))),
    ).toBe(true)
  })

  it('refuses to use nonce 2^64-1 in either direction', () => {
    const tx = new CipherState(crypto, key)
    tx.setNonce(2n ** 64n - 1n)
    expect(() => tx.encryptWithAd(EMPTY, EMPTY)).toThrowError(
      expect.objectContaining({ code: 'NOISE_NONCE_EXHAUSTED' }),
    )
    expect(() => tx.decryptWithAd(EMPTY, new Uint8Array(16))).toThrowError(
      expect.objectContaining({ code: 'NOISE_NONCE_EXHAUSTED' }),
    )
    expect(() => tx.setNonce(2n ** 64n)).toThrow(RangeError)
  })

  it('carries the counter across the 32-bit boundary', () => {
    const tx = new CipherState(crypto, key)
    const rx = new CipherState(crypto, key)
    tx.setNonce(0xffffffffn)
    rx.setNonce(0xffffffffn)
    for (let i = 0; i < 3; i++) rx.decryptWithAd(EMPTY, tx.encryptWithAd(EMPTY, Uint8Array.from([i])))
    expect(tx.nonce).toBe(0x100000002n)
  })
})
