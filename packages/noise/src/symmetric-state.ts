/**
 * Noise SymmetricState (Noise spec §5.2): the chaining key `ck`, the handshake
 * hash `h`, and the CipherState of the handshake.
 */
import { CipherState } from './cipher-state.js'
import type { NoiseCrypto } from './crypto.js'

const EMPTY = new Uint8Array(0)
const HASHLEN = 32

/** A Noise SymmetricState for a SHA-256 protocol. */
export class SymmetricState {
  readonly #crypto: NoiseCrypto
  readonly cipherState: CipherState
  #ck: Uint8Array
  #h: Uint8Array

  /** `InitializeSymmetric(protocol_name)`. */
  constructor(crypto: NoiseCrypto, protocolName: string) {
    this.#crypto = crypto
    const name = new TextEncoder().encode(protocolName)
    if (name.byteLength <= HASHLEN) {
      // §5.2: a name of at most HASHLEN bytes is zero-padded, not hashed.
      this.#h = new Uint8Array(HASHLEN)
      this.#h.set(name)
    } else {
      this.#h = crypto.sha256(name)
    }
    this.#ck = this.#h
    this.cipherState = new CipherState(crypto)
  }

  /** The handshake hash `h` (§5.2 GetHandshakeHash). Borrowed. */
  get handshakeHash(): Uint8Array {
    return this.#h
  }

  /** `MixKey(ikm)`. */
  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = this.#crypto.hkdf(this.#ck, ikm, 2)
    this.#ck = ck!
    this.cipherState.initializeKey(tempK!)
  }

  /** `MixHash(data)`. */
  mixHash(data: Uint8Array): void {
    this.#h = this.#crypto.sha256(this.#h, data)
  }

  /** `EncryptAndHash(plaintext)`. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.cipherState.encryptWithAd(this.#h, plaintext)
    this.mixHash(ct)
    return ct
  }

  /** `DecryptAndHash(ciphertext)`. Throws `NOISE_DECRYPT_FAILED`. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.cipherState.decryptWithAd(this.#h, ciphertext)
    this.mixHash(ciphertext)
    return pt
  }

  /** `Split()`: the initiator's sending and the responder's sending CipherStates. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = this.#crypto.hkdf(this.#ck, EMPTY, 2)
    return [new CipherState(this.#crypto, k1), new CipherState(this.#crypto, k2)]
  }
}
