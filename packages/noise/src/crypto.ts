/**
 * The primitives of `Noise_XX_25519_ChaChaPoly_SHA256` (Noise spec §12.1, §12.3,
 * §12.5, and §4.3 for HKDF), as one small interface with two implementations:
 * `node:crypto` (native) and `@noble/*` (portable). Both are byte-for-byte
 * interchangeable: a peer on one talks to a peer on the other.
 */

/** An X25519 key pair. Backends attach their own private handle. */
export interface DhKeyPair {
  /** The 32-byte public key (RFC 7748 §5 encoding). */
  readonly publicKey: Uint8Array
}

/** A remote X25519 public key, imported once and used for several DH operations. */
export interface DhPublicKey {
  /** The 32 raw bytes. */
  readonly bytes: Uint8Array
}

/**
 * ChaCha20-Poly1305 (RFC 8439) bound to one 32-byte key. The nonce is the
 * 12-byte Noise nonce (Noise §12.3: 4 zero bytes, then the counter little-endian).
 */
export interface Aead {
  /**
   * Encrypts `plaintext` into `out` at `offset`: ciphertext then 16-byte tag
   * (`plaintext.byteLength + 16` bytes are written). `plaintext` is borrowed.
   */
  seal(nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void
  /**
   * Encrypts the concatenation of `pieces` (borrowed) and appends to `out` the
   * ciphertext, in one or more fresh pieces, then the 16-byte tag: no piece is
   * joined or copied where the backend can encrypt piece by piece.
   */
  sealPieces(nonce: Uint8Array, ad: Uint8Array, pieces: readonly Uint8Array[], out: Uint8Array[]): void
  /**
   * Decrypts `ciphertext` (with its trailing tag; borrowed). Returns a freshly
   * allocated plaintext, or `undefined` when the tag does not verify.
   */
  open(nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined
  /**
   * Like `open`, for a ciphertext received in pieces (borrowed views, without
   * the tag) and its 16-byte `tag`: returns the plaintext in one or more fresh
   * pieces, only once the tag verified; `undefined` when it does not.
   */
  openPieces(
    nonce: Uint8Array,
    ad: Uint8Array,
    pieces: readonly Uint8Array[],
    tag: Uint8Array,
  ): Uint8Array[] | undefined
}

/** The crypto a Noise handshake and channel need. */
export interface NoiseCrypto {
  /** `'node'` or `'noble'` (or a custom name). */
  readonly name: string
  /** A fresh random X25519 key pair. */
  generateKeyPair(): DhKeyPair
  /** The X25519 key pair of a 32-byte secret (for fixed test keys and configured static keys). */
  keyPairFromSecret(secret: Uint8Array): DhKeyPair
  /** Imports a remote public key (32 bytes) once for later `dh` calls. */
  importPublicKey(bytes: Uint8Array): DhPublicKey
  /**
   * X25519(local, remote) (Noise §12.1 DH). Throws `NoiseError('NOISE_DH_FAILED')`
   * when the result is all zeros (a low-order remote point).
   */
  dh(local: DhKeyPair, remote: DhPublicKey): Uint8Array
  /** SHA-256 of the concatenation of `parts`. */
  sha256(...parts: Uint8Array[]): Uint8Array
  /**
   * Noise HKDF (§4.3) with SHA-256: `HKDF(ck, ikm)` → `outputs` 32-byte keys. This
   * is RFC 5869 HKDF with salt = `ck` and empty info, which is what node implements.
   */
  hkdf(ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[]
  /** Binds ChaCha20-Poly1305 to a 32-byte key. */
  createAead(key: Uint8Array): Aead
}
