/**
 * Noise CipherState (Noise spec §5.1): a key and a 64-bit message counter.
 *
 * The counter is kept as two 32-bit halves (a JS number cannot hold 2^64) and
 * encoded into a preallocated 12-byte nonce: 32 zero bits, then the counter
 * little-endian (§12.3, ChaChaPoly). The value 2^64-1 is reserved (§5.1): once
 * the counter reaches it, every further operation fails with
 * `NOISE_NONCE_EXHAUSTED` (the libp2p noise spec: "terminate the connection").
 */
import type { Aead, NoiseCrypto } from './crypto.js'
import { NoiseError } from './errors.js'

/** Bytes of the ChaCha20-Poly1305 authentication tag. */
export const TAG_LENGTH = 16
const MAX32 = 0xffffffff

/** A Noise CipherState; `undefined` key means "no key yet" (plaintext passthrough). */
export class CipherState {
  readonly #crypto: NoiseCrypto
  #aead: Aead | undefined
  #lo = 0
  #hi = 0
  readonly #nonce = new Uint8Array(12)
  readonly #view = new DataView(this.#nonce.buffer)

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
    this.#view.setUint32(4, this.#lo, true)
    this.#view.setUint32(8, this.#hi, true)
  }

  /**
   * `EncryptWithAd(ad, plaintext)` into `out` at `offset` (ciphertext ‖ tag,
   * `plaintext.byteLength + 16` bytes). Requires a key.
   */
  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    this.#checkNonce()
    this.#aead!.seal(this.#nonce, ad, plaintext, out, offset)
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
    const pt = this.#aead.open(this.#nonce, ad, ciphertext)
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
      this.#view.setUint32(8, this.#hi, true)
    } else {
      this.#lo++
    }
    this.#view.setUint32(4, this.#lo, true)
  }
}
