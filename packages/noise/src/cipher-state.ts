/**
 * Noise CipherState (Noise spec §5.1): a key and a 64-bit message counter.
 *
 * The counter is kept as two 32-bit halves (a JS number cannot hold 2^64) and
 * encoded, right before each AEAD call, into one 12-byte nonce buffer shared by
 * every CipherState: 32 zero bits, then the counter little-endian (§12.3,
 * ChaChaPoly). Sharing it is safe because the AEAD calls are synchronous and
 * neither backend keeps the nonce after returning; it saves a buffer and a
 * DataView per direction of every idle connection (~350 B and two native
 * backing stores per channel). The value 2^64-1 is reserved (§5.1): once
 * the counter reaches it, every further operation fails with
 * `NOISE_NONCE_EXHAUSTED` (the libp2p noise spec: "terminate the connection").
 */
import type { Aead, NoiseCrypto } from './crypto.js'
import { NoiseError } from './errors.js'

/** Bytes of the ChaCha20-Poly1305 authentication tag. */
export const TAG_LENGTH = 16
const MAX32 = 0xffffffff
/** The nonce of the AEAD call in progress (bytes 0..3 stay zero). */
const NONCE = new Uint8Array(12)
const NONCE_VIEW = new DataView(NONCE.buffer)

/** Writes the counter `hi:lo` into `NONCE` and returns it (valid until the next call). */
function nonceOf(lo: number, hi: number): Uint8Array {
  NONCE_VIEW.setUint32(4, lo, true)
  NONCE_VIEW.setUint32(8, hi, true)
  return NONCE
}

/** A Noise CipherState; `undefined` key means "no key yet" (plaintext passthrough). */
export class CipherState {
  readonly #crypto: NoiseCrypto
  #aead: Aead | undefined
  #lo = 0
  #hi = 0

  constructor(crypto: NoiseCrypto, key?: Uint8Array) {
    this.#crypto = crypto
    if (key !== undefined) this.initializeKey(key)
  }

  /** `InitializeKey(k)`: sets the key and resets the counter to 0. */
  initializeKey(key: Uint8Array): void {
    this.#aead = this.#crypto.createAead(key)
    this.setNonce(0n)
  }

  /** `HasKey()`. */
  hasKey(): boolean {
    return this.#aead !== undefined
  }

  /** The counter (for tests and diagnostics). */
  get nonce(): bigint {
    return (BigInt(this.#hi) << 32n) | BigInt(this.#lo)
  }

  /** `SetNonce(n)` (§5.1). Tests use it to reach the reserved nonce quickly. */
  setNonce(n: bigint): void {
    if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError('a Noise nonce is a 64-bit unsigned integer')
    this.#lo = Number(n & 0xffffffffn)
    this.#hi = Number(n >> 32n)
  }

  /**
   * `EncryptWithAd(ad, plaintext)` into `out` at `offset` (ciphertext ‖ tag,
   * `plaintext.byteLength + 16` bytes). Requires a key.
   */
  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    this.#checkNonce()
    this.#aead!.seal(nonceOf(this.#lo, this.#hi), ad, plaintext, out, offset)
    this.#increment()
  }

  /**
   * `EncryptWithAd(ad, concatenation of pieces)`, appending the ciphertext pieces
   * and the tag to `out` (see `Aead.sealPieces`). Requires a key.
   */
  sealPieces(ad: Uint8Array, pieces: readonly Uint8Array[], out: Uint8Array[]): void {
    this.#checkNonce()
    this.#aead!.sealPieces(nonceOf(this.#lo, this.#hi), ad, pieces, out)
    this.#increment()
  }

  /** `EncryptWithAd(ad, plaintext)`: a fresh buffer, or `plaintext` itself without a key. */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#aead === undefined) return plaintext
    const out = new Uint8Array(plaintext.byteLength + TAG_LENGTH)
    this.sealInto(ad, plaintext, out, 0)
    return out
  }

  /**
   * `DecryptWithAd(ad, ciphertext)`: the plaintext (fresh), or `ciphertext` itself
   * without a key. A tag that does not verify throws `NOISE_DECRYPT_FAILED` and
   * leaves the counter unchanged (§5.1).
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#aead === undefined) return ciphertext
    this.#checkNonce()
    const pt = this.#aead.open(nonceOf(this.#lo, this.#hi), ad, ciphertext)
    if (pt === undefined) {
      throw new NoiseError('NOISE_DECRYPT_FAILED', 'a Noise message failed authentication')
    }
    this.#increment()
    return pt
  }

  /**
   * `DecryptWithAd(ad, ciphertext)` for a ciphertext (tag included) received as
   * borrowed views `pieces` of `byteLength` bytes in total: the plaintext as
   * fresh pieces, returned only after the tag verified. Requires a key; throws
   * like `decryptWithAd`.
   */
  decryptPieces(ad: Uint8Array, pieces: readonly Uint8Array[], byteLength: number): Uint8Array[] {
    this.#checkNonce()
    if (byteLength < TAG_LENGTH) {
      throw new NoiseError('NOISE_DECRYPT_FAILED', 'a Noise message shorter than its tag')
    }
    const last = pieces[pieces.length - 1]!
    let ct: readonly Uint8Array[]
    let tag: Uint8Array
    if (last.byteLength >= TAG_LENGTH) {
      tag = last.subarray(last.byteLength - TAG_LENGTH)
      ct =
        pieces.length === 1 ? [last.subarray(0, last.byteLength - TAG_LENGTH)] : trimEnd(pieces, TAG_LENGTH)
    } else {
      // The tag straddles pieces: copy its 16 bytes.
      tag = new Uint8Array(TAG_LENGTH)
      const cut = trimEnd(pieces, TAG_LENGTH)
      let o = 0
      let skip = byteLength - TAG_LENGTH
      for (const p of pieces) {
        if (skip >= p.byteLength) {
          skip -= p.byteLength
          continue
        }
        tag.set(p.subarray(skip), o)
        o += p.byteLength - skip
        skip = 0
      }
      ct = cut
    }
    const pt = this.#aead!.openPieces(nonceOf(this.#lo, this.#hi), ad, ct, tag)
    if (pt === undefined) {
      throw new NoiseError('NOISE_DECRYPT_FAILED', 'a Noise message failed authentication')
    }
    this.#increment()
    return pt
  }

  #checkNonce(): void {
    if (this.#lo === MAX32 && this.#hi === MAX32) {
      throw new NoiseError('NOISE_NONCE_EXHAUSTED', 'the Noise nonce reached 2^64-1')
    }
  }

  #increment(): void {
    if (this.#lo === MAX32) {
      this.#lo = 0
      this.#hi++
    } else {
      this.#lo++
    }
  }
}

/** `pieces` without their last `n` bytes (views). */
function trimEnd(pieces: readonly Uint8Array[], n: number): Uint8Array[] {
  const out = pieces.slice()
  while (n > 0 && out.length > 0) {
    const last = out[out.length - 1]!
    if (last.byteLength <= n) {
      n -= last.byteLength
      out.pop()
    } else {
      out[out.length - 1] = last.subarray(0, last.byteLength - n)
      n = 0
    }
  }
  return out
}
