/**
 * RSA public keys, verify-only (peer-ids.md §RSA): the key is a DER PKIX
 * SubjectPublicKeyInfo (RFC 8017 §A.1.1 inside RFC 5280 §4.1); a signature is
 * RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2). Modulus sizes 2048–8192 bits,
 * the range go-libp2p accepts (js-libp2p caps at 8192 and sets no minimum).
 *
 * The `'node'` backend verifies with OpenSSL; the `'noble'` backend with a short
 * BigInt implementation of RFC 8017 §8.2.2 (slower, but portable).
 */
import type { KeyObject } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { b64url, type CryptoBackend, nodeCrypto } from './crypto-backend.js'
import { oidHex, readOnly, readSequence, readSpki, TAG_NULL, TAG_SEQUENCE, unsignedInteger } from './der.js'
import { KeyError } from './errors.js'
import { assertBytes, bytesEqual, copyBytes, type PublicKey } from './key.js'
import { encodeKeyMessage } from './key-protobuf.js'

export const RSA_MIN_BITS = 2048
export const RSA_MAX_BITS = 8192

const OID_RSA_ENCRYPTION = '2a864886f70d010101' // 1.2.840.113549.1.1.1
// DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO = Uint8Array.from([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
])

function toBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0'
  for (const b of bytes) hex += b.toString(16).padStart(2, '0')
  return BigInt(hex)
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n
  base %= mod
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod
    base = (base * base) % mod
    exp >>= 1n
  }
  return result
}

/** An RSA public key of a remote peer. Construct with {@link rsaPublicKeyFromRaw}. */
export class RsaPublicKey implements PublicKey {
  readonly type = 'RSA' as const
  readonly raw: Uint8Array
  readonly backend: CryptoBackend
  /** Modulus size in bits. */
  readonly bits: number
  readonly #n: Uint8Array
  readonly #e: Uint8Array
  #protobuf: Uint8Array | undefined
  #keyObject: KeyObject | undefined

  /** @internal */
  constructor(raw: Uint8Array, n: Uint8Array, e: Uint8Array, bits: number, backend: CryptoBackend) {
    this.raw = raw
    this.#n = n
    this.#e = e
    this.bits = bits
    this.backend = backend
  }

  toProtobuf(): Uint8Array {
    this.#protobuf ??= encodeKeyMessage('RSA', this.raw)
    return this.#protobuf
  }

  verify(data: Uint8Array, sig: Uint8Array): boolean {
    assertBytes(data, 'data')
    assertBytes(sig, 'sig')
    const k = this.#n.byteLength
    // RFC 8017 §8.2.2 step 1: the signature is exactly k bytes.
    if (sig.byteLength !== k) return false
    try {
      if (this.backend === 'node') {
        const node = nodeCrypto as NonNullable<typeof nodeCrypto>
        this.#keyObject ??= node.createPublicKey({
          key: { kty: 'RSA', n: b64url(this.#n), e: b64url(this.#e) },
          format: 'jwk',
        })
        return node.verify('sha256', data, this.#keyObject, sig)
      }
      return this.#verifyPortable(data, sig)
    } catch {
      return false
    }
  }

  /** RFC 8017 §8.2.2 with EMSA-PKCS1-v1_5 (§9.2), comparing the whole encoded message. */
  #verifyPortable(data: Uint8Array, sig: Uint8Array): boolean {
    const k = this.#n.byteLength
    const n = toBigInt(this.#n)
    const s = toBigInt(sig)
    if (s >= n) return false // §5.2.2 RSAVP1 step 1
    let m = modPow(s, toBigInt(this.#e), n)
    const em = new Uint8Array(k)
    for (let i = k - 1; i >= 0 && m > 0n; i--) {
      em[i] = Number(m & 0xffn)
      m >>= 8n
    }
    const expected = new Uint8Array(k)
    const tLen = SHA256_DIGEST_INFO.byteLength + 32
    expected[0] = 0x00
    expected[1] = 0x01
    expected.fill(0xff, 2, k - tLen - 1)
    expected[k - tLen - 1] = 0x00
    expected.set(SHA256_DIGEST_INFO, k - tLen)
    expected.set(sha256(data), k - 32)
    return bytesEqual(em, expected)
  }

  equals(other: PublicKey): boolean {
    return other?.type === 'RSA' && bytesEqual(this.raw, other.raw)
  }
}

/** Reads a DER PKIX RSA public key; bytes are copied. */
export function rsaPublicKeyFromRaw(raw: Uint8Array, backend: CryptoBackend): RsaPublicKey {
  assertBytes(raw, 'raw')
  const own = copyBytes(raw)
  const { algorithm, key } = readSpki(own)
  if (
    algorithm.length !== 2 ||
    oidHex(algorithm[0]) !== OID_RSA_ENCRYPTION ||
    algorithm[1]?.tag !== TAG_NULL ||
    algorithm[1].value.byteLength !== 0
  ) {
    throw new KeyError('KEY_INVALID', 'RSA public key: algorithm is not rsaEncryption')
  }
  const parts = readSequence(readOnly(key, TAG_SEQUENCE))
  if (parts.length !== 2) throw new KeyError('KEY_INVALID', 'RSA public key: expected SEQUENCE { n, e }')
  const n = unsignedInteger(parts[0] as (typeof parts)[0])
  const e = unsignedInteger(parts[1] as (typeof parts)[0])
  const bits = n.byteLength * 8 - Math.clz32(n[0] as number) + 24
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new KeyError('KEY_SIZE', `RSA modulus of ${bits} bits is outside ${RSA_MIN_BITS}..${RSA_MAX_BITS}`)
  }
  // go-libp2p (crypto/rsa) requires 2 < e < 2^31 and odd.
  const eNum = e.byteLength <= 4 ? Number(toBigInt(e)) : Number.POSITIVE_INFINITY
  if (eNum < 3 || eNum >= 2 ** 31 || eNum % 2 === 0) {
    throw new KeyError('KEY_INVALID', 'RSA public key: unsupported public exponent')
  }
  return new RsaPublicKey(own, n, e, bits, backend)
}
