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

  /**
   * `InitializeSymmetric(protocol_name)`; or, given `{ ck, h }` (a state saved with
   * `save()` right after initialization), continues from it: both are borrowed and
   * never written, so one saved state can start many handshakes.
   */
  constructor(crypto: NoiseCrypto, protocol: string | { ck: Uint8Array; h: Uint8Array }) {
    this.#crypto = crypto
    this.cipherState = new CipherState(crypto)
    if (typeof protocol !== 'string') {
      this.#ck = protocol.ck
      this.#h = protocol.h
      return
    }
    const name = new TextEncoder().encode(protocol)
    if (name.byteLength <= HASHLEN) {
      // §5.2: a name of at most HASHLEN bytes is zero-padded, not hashed.
      this.#h = new Uint8Array(HASHLEN)
      this.#h.set(name)
    } else {
      this.#h = crypto.sha256(name)
    }
    this.#ck = this.#h
  }

  /** `ck` and `h` before any key is mixed in (for the constructor); borrowed. */
  save(): { ck: Uint8Array; h: Uint8Array } {
    if (this.cipherState.hasKey()) throw new Error('save() after a key was mixed in')
    return { ck: this.#ck, h: this.#h }
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
