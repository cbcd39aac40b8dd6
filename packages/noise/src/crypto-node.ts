/**
 * The `node:crypto` backend: OpenSSL's X25519, ChaCha20-Poly1305, SHA-256 and
 * HKDF. `node:crypto` is looked up with `process.getBuiltinModule` (Node ≥ 20.16)
 * rather than imported, so bundles for other runtimes do not pull it in.
 *
 * Key objects are created once: a key pair keeps its `KeyObject`, and a remote
 * public key is imported once per handshake through JWK (Node 20 / OpenSSL 3:
 * ~7 µs, against ~100 µs for a DER/SPKI import and ~450 µs for a PKCS#8 one,
 * which go through OpenSSL's generic decoder). An `Aead` keeps its raw key bytes:
 * `createCipheriv` costs the same with raw bytes as with a secret `KeyObject`
 * (measured for 64-byte and 64 KiB frames), so creating one per key (~2 µs, ten
 * keys per handshake) buys nothing. Figures: packages/interop/bench/RESULTS-noise.md.
 */
import type * as NodeCryptoModule from 'node:crypto'
import { concat } from '@switchyard/interface'
import type { Aead, DhKeyPair, DhPublicKey, NoiseCrypto } from './crypto.js'
import { NoiseError } from './errors.js'

type KeyObject = NodeCryptoModule.KeyObject

function loadNodeCrypto(): typeof NodeCryptoModule | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const mod = proc?.getBuiltinModule?.('node:crypto') as typeof NodeCryptoModule | undefined
    return typeof mod?.diffieHellman === 'function' && typeof mod.hkdfSync === 'function' ? mod : undefined
  } catch {
    return undefined
  }
}

const nc = loadNodeCrypto()

// RFC 8410 PKCS#8 prefix of a raw X25519 private key (fallback import only).
const PKCS8_X25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
])
const CHACHA = 'chacha20-poly1305'
const ONE = Uint8Array.of(1)
const TWO = Uint8Array.of(2)
const THREE = Uint8Array.of(3)
type OneShotHash = (algorithm: string, data: Uint8Array, encoding: 'buffer') => Uint8Array
const oneShotHash = (nc as { hash?: OneShotHash } | undefined)?.hash
const TAG = 16
const EMPTY = new Uint8Array(0)

class NodeKeyPair implements DhKeyPair {
  constructor(
    readonly publicKey: Uint8Array,
    readonly privateKey: KeyObject,
  ) {}
}

class NodePublicKey implements DhPublicKey {
  constructor(
    readonly bytes: Uint8Array,
    readonly key: KeyObject,
  ) {}
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/**
 * The X25519 key pair of a 32-byte secret, imported through JWK (RFC 8037 §2;
 * Node reads only `d` of a private OKP key, and OpenSSL derives the public key
 * on import). Fresh keys are made this way from 32 random bytes too, never with
 * `generateKeyPairSync`: on Node 20 (20.20.2, OpenSSL 3.0) exporting a key that
 * `generateKeyPairSync` made can deadlock the process — the export holds the
 * key's mutex while allocating, a GC it triggers runs the finished key-generation
 * job's destructor, which takes the same mutex (reproduced within ~20 000
 * handshakes; this import path ran 150 000 without it).
 */
function keyPairFromSecret(secret: Uint8Array): NodeKeyPair {
  let privateKey: KeyObject
  try {
    privateKey = nc!.createPrivateKey({
      key: { kty: 'OKP', crv: 'X25519', d: b64url(secret), x: '' },
      format: 'jwk',
    })
  } catch {
    // A runtime that insists on a matching `x`: PKCS#8 (RFC 8410 §7), ~10× slower.
    const der = Buffer.alloc(48)
    der.set(PKCS8_X25519_PREFIX)
    der.set(secret, 16)
    privateKey = nc!.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    der.fill(0)
  }
  // The private JWK carries `x`, the public key OpenSSL derived (half the cost of
  // createPublicKey(privateKey).export()).
  const jwk = privateKey.export({ format: 'jwk' })
  return new NodeKeyPair(new Uint8Array(Buffer.from(jwk.x as string, 'base64url')), privateKey)
}

class NodeAead implements Aead {
  readonly #key: Uint8Array
  constructor(key: Uint8Array) {
    // A private copy: the caller's key buffer may be reused. An exact-size
    // Uint8Array, not Buffer.from(): a small Buffer is a view into Node's shared
    // 8 KiB allocation pool, and a key that lives as long as its connection would
    // keep a whole pool slab alive (measured: ~90 slabs per 1,000 idle connections).
    this.#key = new Uint8Array(key)
  }

  seal(nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    const cipher = nc!.createCipheriv(CHACHA, this.#key, nonce, { authTagLength: TAG })
    if (ad.byteLength > 0) cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
    const ct = cipher.update(plaintext)
    out.set(ct, offset)
    // ChaCha20 is a stream cipher: final() yields nothing, but it computes the tag.
    cipher.final()
    out.set(cipher.getAuthTag(), offset + ct.byteLength)
  }

  sealPieces(nonce: Uint8Array, ad: Uint8Array, pieces: readonly Uint8Array[], out: Uint8Array[]): void {
    const cipher = nc!.createCipheriv(CHACHA, this.#key, nonce, { authTagLength: TAG })
    if (ad.byteLength > 0) {
      let n = 0
      for (const p of pieces) n += p.byteLength
      cipher.setAAD(ad, { plaintextLength: n })
    }
    // A stream cipher: each update() returns exactly its piece's ciphertext.
    for (const p of pieces) out.push(cipher.update(p))
    cipher.final()
    out.push(cipher.getAuthTag())
  }

  open(nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    const n = ciphertext.byteLength - TAG
    if (n < 0) return undefined
    const decipher = nc!.createDecipheriv(CHACHA, this.#key, nonce, { authTagLength: TAG })
    decipher.setAuthTag(ciphertext.subarray(n))
    if (ad.byteLength > 0) decipher.setAAD(ad, { plaintextLength: n })
    const pt = n === 0 ? EMPTY : decipher.update(ciphertext.subarray(0, n))
    try {
      decipher.final()
    } catch {
      return undefined
    }
    return pt
  }

  openPieces(
    nonce: Uint8Array,
    ad: Uint8Array,
    pieces: readonly Uint8Array[],
    tag: Uint8Array,
  ): Uint8Array[] | undefined {
    const decipher = nc!.createDecipheriv(CHACHA, this.#key, nonce, { authTagLength: TAG })
    decipher.setAuthTag(tag)
    if (ad.byteLength > 0) {
      let n = 0
      for (const p of pieces) n += p.byteLength
      decipher.setAAD(ad, { plaintextLength: n })
    }
    // Decrypting piece by piece saves joining a frame that straddles TCP chunks;
    // nothing is returned before final() has verified the tag.
    const out: Uint8Array[] = []
    for (const p of pieces) if (p.byteLength > 0) out.push(decipher.update(p))
    try {
      decipher.final()
    } catch {
      return undefined
    }
    return out
  }
}

/** True when `node:crypto` is available in this runtime. */
export const nodeCryptoAvailable: boolean = nc !== undefined

/**
 * The `node:crypto` backend, or `undefined` where the runtime has no `node:crypto`.
 */
export const nodeNoiseCrypto: NoiseCrypto | undefined =
  nc === undefined
    ? undefined
    : {
        name: 'node',
        generateKeyPair(): DhKeyPair {
          // X25519 takes any 32 bytes as a secret (RFC 7748 §5 clamps them).
          const secret = randomSecret()
          const pair = keyPairFromSecret(secret)
          secret.fill(0)
          return pair
        },
        keyPairFromSecret(secret: Uint8Array): DhKeyPair {
          if (secret.byteLength !== 32) throw new RangeError('an X25519 secret key is 32 bytes')
          return keyPairFromSecret(secret)
        },
        importPublicKey(bytes: Uint8Array): DhPublicKey {
          if (bytes.byteLength !== 32) throw new RangeError('an X25519 public key is 32 bytes')
          const key = nc.createPublicKey({
            key: { kty: 'OKP', crv: 'X25519', x: b64url(bytes) },
            format: 'jwk',
          })
          return new NodePublicKey(bytes, key)
        },
        dh(local: DhKeyPair, remote: DhPublicKey): Uint8Array {
          if (!(local instanceof NodeKeyPair) || !(remote instanceof NodePublicKey)) {
            throw new TypeError('keys of another crypto backend')
          }
          let shared: Buffer
          try {
            shared = nc.diffieHellman({ privateKey: local.privateKey, publicKey: remote.key })
          } catch (cause) {
            throw new NoiseError('NOISE_DH_FAILED', 'X25519 failed (low-order remote key?)', { cause })
          }
          if (nc.timingSafeEqual(shared, ZERO32))
            throw new NoiseError('NOISE_DH_FAILED', 'X25519 produced an all-zero secret')
          return shared
        },
        sha256(...parts: Uint8Array[]): Uint8Array {
          // One-shot crypto.hash (Node ≥ 20.12) measured ~2× faster than a Hash
          // object for the handshake's small inputs; joining them costs less.
          if (oneShotHash !== undefined) return oneShotHash('sha256', concat(parts), 'buffer')
          const h = nc.createHash('sha256')
          for (const p of parts) h.update(p)
          return h.digest()
        },
        hkdf(ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
          // Noise §4.3 spelled out with HMAC: ~40% faster than hkdfSync for
          // 32-byte inputs on Node 20 (and the same bytes: RFC 5869 with empty info).
          if (oneShotHash !== undefined && ck.byteLength === 32 && ikm.byteLength <= 64) {
            return hkdfByHash(oneShotHash, ck, ikm, outputs)
          }
          const temp = nc.createHmac('sha256', ck).update(ikm).digest()
          const o1 = nc.createHmac('sha256', temp).update(ONE).digest()
          const o2 = nc.createHmac('sha256', temp).update(o1).update(TWO).digest()
          if (outputs === 2) return [o1, o2]
          return [o1, o2, nc.createHmac('sha256', temp).update(o2).update(THREE).digest()]
        },
        createAead(key: Uint8Array): Aead {
          return new NodeAead(key)
        },
      }

// CSPRNG output is drawn 32 keys at a time (one randomBytes call instead of 32);
// every key takes fresh bytes, and they are zeroed once used.
const POOL_KEYS = 32
let pool: Buffer | undefined
let poolNext = POOL_KEYS

function randomSecret(): Buffer {
  if (poolNext === POOL_KEYS) {
    pool = nc!.randomBytes(32 * POOL_KEYS)
    poolNext = 0
  }
  return pool!.subarray(32 * poolNext, 32 * ++poolNext)
}

// X25519 output is 32 bytes; timingSafeEqual compares in constant time, natively.
const ZERO32 = new Uint8Array(32)

// HMAC-SHA256 (RFC 2104) with a 32-byte key, from one-shot hashes:
// H((K ‖ 0³²) ⊕ opad ‖ H((K ‖ 0³²) ⊕ ipad ‖ message)). Measured on Node 20 for
// HKDF with two outputs: 7.2 µs against 10.5 µs for three createHmac (each
// createHmac builds a native HMAC context). The scratch buffers hold key material
// only during a call: hkdfByHash zeroes them before it returns.
const HMAC_BLOCK = 64
const hmacIn = new Uint8Array(HMAC_BLOCK + HMAC_BLOCK + 1)
const hmacOut = new Uint8Array(HMAC_BLOCK + 32)

function hmac32(hash: OneShotHash, key: Uint8Array, m1: Uint8Array, m2?: Uint8Array): Uint8Array {
  for (let i = 0; i < 32; i++) {
    hmacIn[i] = key[i]! ^ 0x36
    hmacOut[i] = key[i]! ^ 0x5c
  }
  hmacIn.fill(0x36, 32, HMAC_BLOCK)
  hmacOut.fill(0x5c, 32, HMAC_BLOCK)
  hmacIn.set(m1, HMAC_BLOCK)
  let n = HMAC_BLOCK + m1.byteLength
  if (m2 !== undefined) {
    hmacIn.set(m2, n)
    n += m2.byteLength
  }
  hmacOut.set(hash('sha256', hmacIn.subarray(0, n), 'buffer'), HMAC_BLOCK)
  return hash('sha256', hmacOut, 'buffer')
}

/** Noise HKDF (§4.3) for a 32-byte chaining key and an input of at most 64 bytes. */
function hkdfByHash(hash: OneShotHash, ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const temp = hmac32(hash, ck, ikm)
  const o1 = hmac32(hash, temp, ONE)
  const o2 = hmac32(hash, temp, o1, TWO)
  const out = outputs === 2 ? [o1, o2] : [o1, o2, hmac32(hash, temp, o2, THREE)]
  temp.fill(0)
  hmacIn.fill(0)
  hmacOut.fill(0)
  return out
}
