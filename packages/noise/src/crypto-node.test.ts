import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { nobleNoiseCrypto } from './crypto-noble.js'
import { nodeNoiseCrypto } from './crypto-node.js'

const node = nodeNoiseCrypto!
const rand = (n: number) => crypto.getRandomValues(new Uint8Array(n))

describe('node backend HKDF', () => {
  // The fast path (one-shot hashes) covers a 32-byte ck and inputs up to 64 bytes;
  // anything else takes createHmac. Both must equal RFC 5869 HKDF (noble).
  it.each([0, 1, 32, 33, 64, 65, 200])('equals RFC 5869 HKDF for a %i-byte input, 2 and 3 outputs', (n) => {
    for (const ckLen of [32, 16]) {
      const ck = rand(ckLen)
      const ikm = rand(n)
      const want = hkdf(sha256, ikm, ck, new Uint8Array(0), 96)
      const two = node.hkdf(ck, ikm, 2)
      const three = node.hkdf(ck, ikm, 3)
      expect(Buffer.concat(two).equals(Buffer.from(want.subarray(0, 64)))).toBe(true)
      expect(Buffer.concat(three).equals(Buffer.from(want))).toBe(true)
      expect(Buffer.concat(nobleNoiseCrypto.hkdf(ck, ikm, 3)).equals(Buffer.from(want))).toBe(true)
    }
  })

  it('works on inputs whose byteOffset is not 0, and leaves them unchanged', () => {
    const big = rand(100)
    const ck = big.subarray(3, 35)
    const ikm = big.subarray(40, 72)
    const before = big.slice()
    const want = hkdf(sha256, ikm, ck, new Uint8Array(0), 64)
    expect(Buffer.concat(node.hkdf(ck, ikm, 2)).equals(Buffer.from(want))).toBe(true)
    expect(Buffer.from(big).equals(Buffer.from(before))).toBe(true)
  })
})
