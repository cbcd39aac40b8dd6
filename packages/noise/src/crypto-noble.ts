/**
 * The portable backend: `@noble/curves` X25519, `@noble/ciphers`
 * ChaCha20-Poly1305 and `@noble/hashes` SHA-256 / HKDF. Runs anywhere.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from '@switchyard/interface'
import type { Aead, DhKeyPair, DhPublicKey, NoiseCrypto } from './crypto.js'
import { NoiseError } from './errors.js'

const TAG = 16
const EMPTY = new Uint8Array(0)

class NobleKeyPair implements DhKeyPair {
  constructor(
    readonly publicKey: Uint8Array,
    readonly secretKey: Uint8Array,
  ) {}
}

class NobleAead implements Aead {
  readonly #key: Uint8Array
  constructor(key: Uint8Array) {
    this.#key = key.slice()
  }
  seal(nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    const aead = chacha20poly1305(this.#key, nonce, ad.byteLength > 0 ? ad : undefined)
    aead.encrypt(plaintext, out.subarray(offset, offset + plaintext.byteLength + TAG))
  }
  sealPieces(nonce: Uint8Array, ad: Uint8Array, pieces: readonly Uint8Array[], out: Uint8Array[]): void {
    // noble encrypts a contiguous plaintext: join, then one piece (ciphertext ‖ tag).
    const pt = concat(pieces)
    const sealed = new Uint8Array(pt.byteLength + TAG)
    this.seal(nonce, ad, pt, sealed, 0)
    out.push(sealed)
  }
  open(nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (ciphertext.byteLength < TAG) return undefined
    try {
      return chacha20poly1305(this.#key, nonce, ad.byteLength > 0 ? ad : undefined).decrypt(ciphertext)
    } catch {
      return undefined
    }
  }
  openPieces(
    nonce: Uint8Array,
    ad: Uint8Array,
    pieces: readonly Uint8Array[],
    tag: Uint8Array,
  ): Uint8Array[] | undefined {
    // noble needs the ciphertext contiguous: join it with the tag.
    const pt = this.open(nonce, ad, concat([...pieces, tag]))
    return pt === undefined ? undefined : [pt]
  }
}

/** The `@noble/*` backend. */
export const nobleNoiseCrypto: NoiseCrypto = {
  name: 'noble',
  generateKeyPair(): DhKeyPair {
    const secretKey = x25519.utils.randomSecretKey()
    return new NobleKeyPair(x25519.getPublicKey(secretKey), secretKey)
  },
  keyPairFromSecret(secret: Uint8Array): DhKeyPair {
    if (secret.byteLength !== 32) throw new RangeError('an X25519 secret key is 32 bytes')
    const secretKey = secret.slice()
    return new NobleKeyPair(x25519.getPublicKey(secretKey), secretKey)
  },
  importPublicKey(bytes: Uint8Array): DhPublicKey {
    if (bytes.byteLength !== 32) throw new RangeError('an X25519 public key is 32 bytes')
    return { bytes }
  },
  dh(local: DhKeyPair, remote: DhPublicKey): Uint8Array {
    if (!(local instanceof NobleKeyPair)) throw new TypeError('a key pair of another crypto backend')
    try {
      // noble rejects an all-zero result (a low-order point) by throwing.
      return x25519.getSharedSecret(local.secretKey, remote.bytes)
    } catch (cause) {
      throw new NoiseError('NOISE_DH_FAILED', 'X25519 failed (low-order remote key?)', { cause })
    }
  },
  sha256(...parts: Uint8Array[]): Uint8Array {
    const h = sha256.create()
    for (const p of parts) h.update(p)
    return h.digest()
  },
  hkdf(ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
    const out = hkdf(sha256, ikm, ck, EMPTY, 32 * outputs)
    return outputs === 2
      ? [out.subarray(0, 32), out.subarray(32, 64)]
      : [out.subarray(0, 32), out.subarray(32, 64), out.subarray(64, 96)]
  },
  createAead(key: Uint8Array): Aead {
    return new NobleAead(key)
  },
}
