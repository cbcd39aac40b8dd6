import { SwitchyardError } from '@switchyard/interface'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import vectors from '../test/vectors/peer-ids-spec.json' with { type: 'json' }
import { getCryptoBackend, setCryptoBackend } from './crypto-backend.js'
import { encodeKeyMessage, type KeyType } from './key-protobuf.js'
import {
  generateKeyPair,
  generateKeyPairFromSeed,
  privateKeyFromProtobuf,
  privateKeyFromRaw,
  privateKeyToProtobuf,
  publicKeyFromProtobuf,
  publicKeyFromRaw,
  publicKeyToProtobuf,
} from './keys.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (SwitchyardError.is(err)) return err.code
    throw err
  }
  return undefined
}

describe('key factories', () => {
  afterEach(() => setCryptoBackend('auto'))

  it('generateKeyPair makes distinct Ed25519 keys that round-trip through protobuf', () => {
    const a = generateKeyPair()
    const b = generateKeyPair('Ed25519')
    expect(a.equals(b)).toBe(false)
    expect(privateKeyFromProtobuf(privateKeyToProtobuf(a)).equals(a)).toBe(true)
    expect(publicKeyFromProtobuf(publicKeyToProtobuf(a.publicKey)).equals(a.publicKey)).toBe(true)
    expect(privateKeyFromRaw(a.raw).equals(a)).toBe(true)
    expect(publicKeyFromRaw(a.publicKey.raw).equals(a.publicKey)).toBe(true)
    expect(() => generateKeyPair('RSA' as never)).toThrow(RangeError)
  })

  it('the default backend is node:crypto here; setCryptoBackend switches new keys only', () => {
    expect(getCryptoBackend()).toBe('node')
    const before = generateKeyPair()
    setCryptoBackend('noble')
    expect(getCryptoBackend()).toBe('noble')
    expect(generateKeyPair().backend).toBe('noble')
    expect(publicKeyFromProtobuf(hex(vectors.rsa.public)).backend).toBe('noble')
    expect(before.backend).toBe('node')
    // Per-call override beats the default.
    expect(generateKeyPairFromSeed(new Uint8Array(32), { backend: 'node' }).backend).toBe('node')
    setCryptoBackend('auto')
    expect(getCryptoBackend()).toBe('node')
    expect(() => setCryptoBackend('openssl' as never)).toThrow(RangeError)
    expect(() => generateKeyPair('Ed25519', { backend: 'wasm' as never })).toThrow(RangeError)
  })

  it('private keys of other types are KEY_UNSUPPORTED; unknown types KEY_UNKNOWN_TYPE', () => {
    expect(code(() => privateKeyFromProtobuf(hex(vectors.secp256k1.private)))).toBe('KEY_UNSUPPORTED')
    expect(code(() => privateKeyFromProtobuf(hex(vectors.ecdsa.private)))).toBe('KEY_UNSUPPORTED')
    expect(code(() => privateKeyFromProtobuf(hex(vectors.rsa.private)))).toBe('KEY_UNSUPPORTED')
    expect(code(() => privateKeyFromProtobuf(hex('08051200')))).toBe('KEY_UNKNOWN_TYPE')
    expect(code(() => publicKeyFromProtobuf(hex('08051200')))).toBe('KEY_UNKNOWN_TYPE')
  })

  it('a public key announced with the wrong type is KEY_INVALID', () => {
    const ed = hex(vectors.ed25519.public)
    for (const type of [0, 2, 3]) {
      const wrong = ed.slice()
      wrong[1] = type
      expect(code(() => publicKeyFromProtobuf(wrong))).toBe('KEY_INVALID')
    }
  })

  it('truncated protobufs of every vector are typed errors', () => {
    for (const v of [vectors.ed25519, vectors.secp256k1, vectors.ecdsa, vectors.rsa]) {
      const pub = hex(v.public)
      for (let n = 0; n < pub.byteLength; n += Math.max(1, pub.byteLength >> 5)) {
        expect(SwitchyardError.is(catchErr(() => publicKeyFromProtobuf(pub.subarray(0, n))))).toBe(true)
      }
      const priv = hex(v.private)
      for (let n = 0; n < priv.byteLength; n += Math.max(1, priv.byteLength >> 5)) {
        expect(SwitchyardError.is(catchErr(() => privateKeyFromProtobuf(priv.subarray(0, n))))).toBe(true)
      }
    }
  })

  it('arbitrary and mutated public keys decode or fail with a KeyError, and verify never throws (property)', () => {
    const valid = [vectors.ed25519, vectors.secp256k1, vectors.ecdsa, vectors.rsa].map((v) => hex(v.public))
    const types: KeyType[] = ['RSA', 'Ed25519', 'secp256k1', 'ECDSA']
    const arb = fc.oneof(
      fc
        .tuple(fc.constantFrom(...types), fc.uint8Array({ maxLength: 120 }))
        .map(([t, d]) => encodeKeyMessage(t, d)),
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([v, i, x]) => {
        const c = v.slice()
        const at = i % c.byteLength
        c[at] = (c[at] as number) ^ x
        return c
      }),
      fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([v, n]) => v.subarray(0, n % v.byteLength)),
    )
    fc.assert(
      fc.property(arb, fc.constantFrom('node' as const, 'noble' as const), (bytes, backend) => {
        let key: ReturnType<typeof publicKeyFromProtobuf>
        try {
          key = publicKeyFromProtobuf(bytes, { backend })
        } catch (err) {
          expect((err as Error).name).toBe('KeyError')
          return
        }
        expect(key.toProtobuf()).toEqual(bytes)
        expect(key.verify(new Uint8Array(8), new Uint8Array(64))).toBe(false)
      }),
      { numRuns: 600 },
    )
  })

  it('copies protobuf input: mutating it afterwards does not change the key', () => {
    const pb = hex(vectors.ed25519.public)
    const key = publicKeyFromProtobuf(pb)
    pb.fill(0)
    expect(Buffer.from(key.toProtobuf()).toString('hex')).toBe(vectors.ed25519.public)
  })
})

function catchErr(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
