// Verify-only key types (secp256k1, ECDSA, RSA): spec vectors, signatures made by
// node:crypto and @noble/curves, both backends, and malformed keys.
import crypto from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import vectors from '../test/vectors/peer-ids-spec.json' with { type: 'json' }
import type { CryptoBackend } from './crypto-backend.js'
import { ecdsaPublicKeyFromRaw } from './ecdsa.js'
import { decodeKeyMessage, encodeKeyMessage } from './key-protobuf.js'
import { publicKeyFromProtobuf, publicKeyFromRaw } from './keys.js'
import { rsaPublicKeyFromRaw } from './rsa.js'
import { secp256k1PublicKeyFromRaw } from './secp256k1.js'

const BACKENDS: CryptoBackend[] = ['node', 'noble']
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const msg = new TextEncoder().encode('libp2p-tls-handshake: or any payload')

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (SwitchyardError.is(err)) return err.code
    throw err
  }
  return undefined
}

function flip(b: Uint8Array, i: number): Uint8Array {
  const c = Uint8Array.from(b) // not b.slice(): Buffer#slice is a view
  c[i] = (c[i] as number) ^ 1
  return c
}

describe('secp256k1', () => {
  const priv = decodeKeyMessage(hex(vectors.secp256k1.private)).data

  it('the spec private key vector derives the spec public key; a signature of it verifies', () => {
    const pub = secp256k1.getPublicKey(priv, true)
    expect(toHex(encodeKeyMessage('secp256k1', pub))).toBe(vectors.secp256k1.public)
    const key = publicKeyFromProtobuf(hex(vectors.secp256k1.public))
    expect(key.type).toBe('secp256k1')
    expect(toHex(key.toProtobuf())).toBe(vectors.secp256k1.public)
    // libp2p signs SHA-256(data), DER-encoded (peer-ids.md §Secp256k1).
    const sig = secp256k1.sign(sha256(msg), priv, { prehash: false, format: 'der' })
    expect(key.verify(msg, sig)).toBe(true)
    expect(key.verify(flip(msg, 0), sig)).toBe(false)
    expect(key.verify(msg, flip(sig, sig.byteLength - 1))).toBe(false)
    // A compact (non-DER) signature is not the libp2p encoding.
    expect(key.verify(msg, secp256k1.sign(sha256(msg), priv, { prehash: false }))).toBe(false)
    expect(key.verify(msg, new Uint8Array(0))).toBe(false)
  })

  it('verifies signatures made by OpenSSL', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
    const jwk = publicKey.export({ format: 'jwk' })
    const point = Uint8Array.from([
      4,
      ...Buffer.from(jwk.x as string, 'base64url'),
      ...Buffer.from(jwk.y as string, 'base64url'),
    ])
    const key = secp256k1PublicKeyFromRaw(point)
    // Uncompressed input is stored compressed, as go-libp2p and js-libp2p do.
    expect(key.raw.byteLength).toBe(33)
    for (let i = 0; i < 10; i++) {
      let sig = crypto.sign('sha256', msg, { key: privateKey, dsaEncoding: 'der' })
      // OpenSSL does not normalise S; libp2p (btcec, noble) signs and verifies low-S only.
      const parsed = secp256k1.Signature.fromBytes(sig, 'der')
      if (parsed.hasHighS()) {
        const n = secp256k1.Point.CURVE().n
        sig = Buffer.from(new secp256k1.Signature(parsed.r, n - parsed.s).toBytes('der'))
      }
      expect(key.verify(msg, sig)).toBe(true)
    }
  })

  it.each([
    ['wrong length', '02'.padEnd(64, '0')],
    ['not on the curve', `02${'ff'.repeat(32)}`],
    ['bad prefix', `05${'11'.repeat(32)}`],
  ])('rejects a key that is %s', (_n, h) => {
    expect(code(() => publicKeyFromRaw(hex(h), 'secp256k1'))).toBe('KEY_INVALID')
  })
})

describe.each(BACKENDS)('ECDSA on %s', (backend) => {
  it('the spec private key vector derives the spec public key; its signature verifies', () => {
    const sec1 = decodeKeyMessage(hex(vectors.ecdsa.private)).data
    const privateKey = crypto.createPrivateKey({ key: Buffer.from(sec1), format: 'der', type: 'sec1' })
    const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
    expect(toHex(encodeKeyMessage('ECDSA', spki))).toBe(vectors.ecdsa.public)
    const key = publicKeyFromProtobuf(hex(vectors.ecdsa.public), { backend })
    expect(key.type).toBe('ECDSA')
    expect(key.backend).toBe(backend)
    expect(toHex(key.toProtobuf())).toBe(vectors.ecdsa.public)
    const sig = crypto.sign('sha256', msg, { key: privateKey, dsaEncoding: 'der' })
    expect(key.verify(msg, sig)).toBe(true)
    expect(key.verify(flip(msg, 3), sig)).toBe(false)
    expect(key.verify(msg, flip(sig, sig.byteLength - 2))).toBe(false)
    // IEEE P1363 (r‖s), which js-libp2p emits, is not the spec encoding.
    const p1363 = crypto.sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    expect(key.verify(msg, p1363)).toBe(false)
  })

  it.each(['P-256', 'P-384', 'P-521'])(
    'verifies OpenSSL signatures on %s (SHA-256 for every curve)',
    (curve) => {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: curve })
      const key = ecdsaPublicKeyFromRaw(publicKey.export({ format: 'der', type: 'spki' }), backend)
      expect(key.curve).toBe(curve)
      for (let i = 0; i < 4; i++) {
        const data = crypto.randomBytes(i * 50)
        const sig = crypto.sign('sha256', data, { key: privateKey, dsaEncoding: 'der' })
        expect(key.verify(data, sig)).toBe(true)
        expect(key.verify(data, sig.subarray(1))).toBe(false)
      }
    },
  )

  it('rejects malformed SPKI with KEY_INVALID and other curves with KEY_UNSUPPORTED', () => {
    const spki = decodeKeyMessage(hex(vectors.ecdsa.public)).data
    expect(code(() => ecdsaPublicKeyFromRaw(spki.subarray(0, 50), backend))).toBe('KEY_INVALID')
    expect(code(() => ecdsaPublicKeyFromRaw(new Uint8Array([...spki, 0]), backend))).toBe('KEY_INVALID')
    // Corrupt the point's y coordinate: no longer on the curve.
    expect(code(() => ecdsaPublicKeyFromRaw(flip(spki, spki.byteLength - 1), backend))).toBe('KEY_INVALID')
    // Compressed points are not accepted (go-libp2p's x509 parser rejects them too).
    const x = spki.subarray(spki.byteLength - 64, spki.byteLength - 32)
    const compressed = hex(
      `3039301306072a8648ce3d020106082a8648ce3d030107032200${(spki.at(-1) as number) & 1 ? '03' : '02'}`,
    )
    expect(code(() => ecdsaPublicKeyFromRaw(new Uint8Array([...compressed, ...x]), backend))).toBe(
      'KEY_INVALID',
    )
    // secp256k1 as an ECDSA key: a curve libp2p ECDSA does not use.
    const k1 = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey
    expect(code(() => ecdsaPublicKeyFromRaw(k1.export({ format: 'der', type: 'spki' }), backend))).toBe(
      'KEY_UNSUPPORTED',
    )
    // An RSA key announced as ECDSA.
    expect(code(() => ecdsaPublicKeyFromRaw(decodeKeyMessage(hex(vectors.rsa.public)).data, backend))).toBe(
      'KEY_INVALID',
    )
  })

  it('rejects the js-libp2p (non-SPKI) ECDSA encoding', () => {
    const jsLibp2p = hex(
      '3055020101a00a06082a8648ce3d030107a144034200043201ad55323564a3a337cfe04e89c18ba01d7af4fa6d9d16c99aede14b02b97dae330153697551bfecd158b8f58a0203b963759ffeecd8618c8e003e1185b4c8',
    )
    expect(code(() => ecdsaPublicKeyFromRaw(jsLibp2p, backend))).toBe('KEY_INVALID')
  })
})

describe.each(BACKENDS)('RSA on %s', (backend) => {
  it('the spec private key vector derives the spec public key; its signature verifies', () => {
    const pkcs1 = decodeKeyMessage(hex(vectors.rsa.private)).data
    const privateKey = crypto.createPrivateKey({ key: Buffer.from(pkcs1), format: 'der', type: 'pkcs1' })
    const spki = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
    expect(toHex(encodeKeyMessage('RSA', spki))).toBe(vectors.rsa.public)
    const key = publicKeyFromProtobuf(hex(vectors.rsa.public), { backend })
    expect(key.type).toBe('RSA')
    expect(toHex(key.toProtobuf())).toBe(vectors.rsa.public)
    const sig = crypto.sign('sha256', msg, privateKey)
    expect(key.verify(msg, sig)).toBe(true)
    expect(key.verify(flip(msg, 0), sig)).toBe(false)
    expect(key.verify(msg, flip(sig, 100))).toBe(false)
    expect(key.verify(msg, sig.subarray(1))).toBe(false)
    // PSS is a different scheme.
    const pss = crypto.sign('sha256', msg, {
      key: privateKey,
      padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
    })
    expect(key.verify(msg, pss)).toBe(false)
    // SHA-512 DigestInfo is a different hash.
    expect(key.verify(msg, crypto.sign('sha512', msg, privateKey))).toBe(false)
    // s >= n.
    expect(key.verify(msg, new Uint8Array(sig.byteLength).fill(0xff))).toBe(false)
  })

  it.each([1024, 2040, 8200])('rejects a %i-bit modulus', (bits) => {
    expect(code(() => rsaPublicKeyFromRaw(rsaSpki(bits), backend))).toBe('KEY_SIZE')
  })

  it('accepts 2048- and 8192-bit moduli', () => {
    expect(rsaPublicKeyFromRaw(rsaSpki(2048), backend).bits).toBe(2048)
    expect(rsaPublicKeyFromRaw(rsaSpki(8192), backend).bits).toBe(8192)
  })

  it('rejects malformed DER', () => {
    const spki = decodeKeyMessage(hex(vectors.rsa.public)).data
    expect(code(() => rsaPublicKeyFromRaw(spki.subarray(0, spki.byteLength - 1), backend))).toBe(
      'KEY_INVALID',
    )
    expect(code(() => rsaPublicKeyFromRaw(decodeKeyMessage(hex(vectors.ecdsa.public)).data, backend))).toBe(
      'KEY_INVALID',
    )
    // PKCS#1 RSAPublicKey without the SPKI wrapper.
    const pkcs1 = crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
    expect(code(() => rsaPublicKeyFromRaw(pkcs1.export({ format: 'der', type: 'pkcs1' }), backend))).toBe(
      'KEY_INVALID',
    )
    // Even exponent, and a non-minimal (zero-padded) modulus INTEGER.
    expect(code(() => rsaPublicKeyFromRaw(rsaSpki(2048, [0x01, 0x00, 0x00]), backend))).toBe('KEY_INVALID')
    expect(code(() => rsaPublicKeyFromRaw(rsaSpki(2050, [0x01, 0x00, 0x01], true), backend))).toBe(
      'KEY_INVALID',
    )
  })
})

describe('RSA backends agree', () => {
  it('on valid and corrupted signatures of the spec key (4096 bits)', () => {
    const pkcs1 = decodeKeyMessage(hex(vectors.rsa.private)).data
    const privateKey = crypto.createPrivateKey({ key: Buffer.from(pkcs1), format: 'der', type: 'pkcs1' })
    const spki = decodeKeyMessage(hex(vectors.rsa.public)).data
    const a = rsaPublicKeyFromRaw(spki, 'node')
    const b = rsaPublicKeyFromRaw(spki, 'noble')
    expect(a.bits).toBe(4096)
    for (let i = 0; i < 6; i++) {
      const data = crypto.randomBytes(i * 20)
      const sig = crypto.sign('sha256', data, privateKey)
      const bad = flip(sig, i * 31)
      expect([a.verify(data, sig), b.verify(data, sig)]).toEqual([true, true])
      expect([a.verify(data, bad), b.verify(data, bad)]).toEqual([false, false])
    }
  })
})

/** DER TLV with a definite length. */
function tlv(tag: number, body: number[]): number[] {
  const n = body.length
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  return [tag, ...len, ...body]
}

/** A syntactically valid RSA SPKI with a `bits`-bit modulus (not a real key). */
function rsaSpki(bits: number, e = [0x01, 0x00, 0x01], padModulus = false): Uint8Array {
  const n = new Array<number>(Math.ceil(bits / 8)).fill(0x5b)
  n[0] = 1 << ((bits - 1) % 8)
  const nInt = (n[0] as number) & 0x80 || padModulus ? [0, ...n] : n
  const key = tlv(0x30, [...tlv(0x02, nInt), ...tlv(0x02, e)])
  const alg = tlv(0x30, [...tlv(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]), 0x05, 0x00])
  return Uint8Array.from(tlv(0x30, [...alg, ...tlv(0x03, [0, ...key])]))
}
