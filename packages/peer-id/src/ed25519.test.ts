import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js'
import { SwitchyardError } from '@switchyard/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import vectors from '../test/vectors/peer-ids-spec.json' with { type: 'json' }
import type { CryptoBackend } from './crypto-backend.js'
import {
  ed25519KeyFromSeed,
  ed25519PrivateKeyFromRaw,
  ed25519PublicKeyFromRaw,
  generateEd25519Key,
} from './ed25519.js'
import { decodeKeyMessage } from './key-protobuf.js'
import { peerIdFromPublicKey } from './peer-id.js'

const BACKENDS: CryptoBackend[] = ['node', 'noble']
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (SwitchyardError.is(err)) return err.code
    throw err
  }
  return undefined
}

// RFC 8032 §7.1, TEST 1 and TEST 2.
const RFC8032 = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
]

describe.each(BACKENDS)('Ed25519 on %s', (backend) => {
  it('reads the spec private key vector and derives the spec public key', () => {
    const { data } = decodeKeyMessage(hex(vectors.ed25519.private))
    const key = ed25519PrivateKeyFromRaw(data, backend)
    expect(toHex(key.publicKey.toProtobuf())).toBe(vectors.ed25519.public)
    expect(key.backend).toBe(backend)
    expect(toHex(key.toProtobuf())).toBe(vectors.ed25519.private)
  })

  it.each(RFC8032)('matches RFC 8032 §7.1 ($public)', (v) => {
    const key = ed25519KeyFromSeed(hex(v.secret), backend)
    expect(toHex(key.publicKey.raw)).toBe(v.public)
    expect(toHex(key.sign(hex(v.message)))).toBe(v.signature)
    expect(ed25519PublicKeyFromRaw(hex(v.public), backend).verify(hex(v.message), hex(v.signature))).toBe(
      true,
    )
  })

  it('accepts the legacy 96-byte form when the public keys agree', () => {
    const key = generateEd25519Key(backend)
    const legacy = new Uint8Array(96)
    legacy.set(key.raw)
    legacy.set(key.publicKey.raw, 64)
    expect(ed25519PrivateKeyFromRaw(legacy, backend).equals(key)).toBe(true)
    legacy[95] = (legacy[95] as number) ^ 1
    expect(code(() => ed25519PrivateKeyFromRaw(legacy, backend))).toBe('KEY_INVALID')
  })

  it('rejects a private key whose public half does not match its seed', () => {
    const key = generateEd25519Key(backend)
    const raw = key.raw.slice()
    raw[40] = (raw[40] as number) ^ 0x10
    expect(code(() => ed25519PrivateKeyFromRaw(raw, backend))).toBe('KEY_INVALID')
  })

  it.each([0, 31, 33, 63, 65, 95, 97])('rejects a %i-byte private key', (n) => {
    expect(code(() => ed25519PrivateKeyFromRaw(new Uint8Array(n), backend))).toBe('KEY_INVALID')
  })

  it.each([0, 31, 33, 64])('rejects a %i-byte public key', (n) => {
    expect(code(() => ed25519PublicKeyFromRaw(new Uint8Array(n), backend))).toBe('KEY_INVALID')
  })

  it('returns false for tampered, truncated or extended signatures, and for a non-point key', () => {
    const key = generateEd25519Key(backend)
    const data = new TextEncoder().encode('hello')
    const sig = key.sign(data)
    expect(key.publicKey.verify(data, sig)).toBe(true)
    const bad = sig.slice()
    bad[10] = (bad[10] as number) ^ 1
    expect(key.publicKey.verify(data, bad)).toBe(false)
    expect(key.publicKey.verify(data, sig.subarray(0, 63))).toBe(false)
    expect(key.publicKey.verify(data, new Uint8Array([...sig, 0]))).toBe(false)
    expect(key.publicKey.verify(new TextEncoder().encode('hellp'), sig)).toBe(false)
    // 2^255 - 1 is not a valid y coordinate encoding.
    const notAPoint = ed25519PublicKeyFromRaw(new Uint8Array(32).fill(0xff), backend)
    expect(notAPoint.verify(data, sig)).toBe(false)
  })

  it('signs and verifies views with a non-zero byteOffset', () => {
    const key = generateEd25519Key(backend)
    const buf = new Uint8Array(100).map((_, i) => i)
    const data = buf.subarray(7, 50)
    const sig = key.sign(data)
    const sigBuf = new Uint8Array(70)
    sigBuf.set(sig, 3)
    expect(key.publicKey.verify(data.slice(), sigBuf.subarray(3, 67))).toBe(true)
  })

  it('copies its inputs', () => {
    const seed = new Uint8Array(32).fill(9)
    const key = ed25519KeyFromSeed(seed, backend)
    const before = key.sign(new Uint8Array(1))
    seed.fill(0)
    expect(key.sign(new Uint8Array(1))).toEqual(before)
  })

  it('a remote key shares one buffer with its protobuf and its peer id, and verifies repeatedly', () => {
    const key = generateEd25519Key(backend)
    const input = key.publicKey.raw.slice()
    const remote = ed25519PublicKeyFromRaw(input, backend)
    input.fill(0) // copied
    expect(remote.raw).toEqual(key.publicKey.raw)
    expect(remote.toProtobuf()).toEqual(key.publicKey.toProtobuf())
    const id = peerIdFromPublicKey(remote)
    expect(id.bytes).toEqual(peerIdFromPublicKey(key.publicKey).bytes)
    expect(id.toString()).toBe(peerIdFromPublicKey(key.publicKey).toString())
    expect(remote.raw.buffer).toBe(id.bytes.buffer)
    expect(remote.toProtobuf().buffer).toBe(id.bytes.buffer)
    // Nothing but the multihash is kept per remote key: no raw view, no type field.
    expect(Object.keys(remote)).not.toContain('raw')
    expect(Object.keys(remote)).not.toContain('type')
    expect(remote.type).toBe('Ed25519')
    expect(remote.equals(key.publicKey)).toBe(true)
    expect(key.publicKey.equals(remote)).toBe(true)
    const data = new Uint8Array([1, 2, 3])
    const sig = key.sign(data)
    for (let i = 0; i < 3; i++) expect(remote.verify(data, sig)).toBe(true)
    expect(remote.verify(new Uint8Array([1, 2, 4]), sig)).toBe(false)
  })

  it('throws TypeError for non-bytes', () => {
    const key = generateEd25519Key(backend)
    expect(() => key.sign('x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => key.publicKey.verify(new Uint8Array(1), 'x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => ed25519KeyFromSeed(new Uint8Array(31), backend)).toThrow(RangeError)
  })
})

describe('Ed25519 backends agree', () => {
  it('same seed → same public key and signature; each verifies the other (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 256 }),
        (seed, msg) => {
          const a = ed25519KeyFromSeed(seed, 'node')
          const b = ed25519KeyFromSeed(seed, 'noble')
          expect(a.raw).toEqual(b.raw)
          const sa = a.sign(msg)
          // Ed25519 is deterministic (RFC 8032 §5.1.6).
          expect(sa).toEqual(b.sign(msg))
          expect(b.publicKey.verify(msg, sa)).toBe(true)
          expect(a.publicKey.verify(msg, b.sign(msg))).toBe(true)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('agree on arbitrary (mostly invalid) signatures and keys (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ maxLength: 32 }),
        (pub, sig, msg) => {
          const a = ed25519PublicKeyFromRaw(pub, 'node').verify(msg, sig)
          const b = ed25519PublicKeyFromRaw(pub, 'noble').verify(msg, sig)
          expect(a).toBe(b)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('both reject small-order public keys, for which OpenSSL alone would accept forgeries', () => {
    const msg = new Uint8Array([1, 2, 3])
    const smallOrder = [
      ...ED25519_TORSION_SUBGROUP,
      // Non-canonical encodings of y = 0 (p) and y = 1 (p + 1).
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ]
    for (const h of smallOrder) {
      const pub = hex(h)
      const identityR = new Uint8Array(64)
      identityR[0] = 1 // R = identity point, S = 0: valid for any message under A of small order
      const rIsA = new Uint8Array(64)
      rIsA.set(pub)
      for (const backend of BACKENDS) {
        const key = ed25519PublicKeyFromRaw(pub, backend)
        expect([h, backend, key.verify(msg, identityR), key.verify(msg, rIsA)]).toEqual([
          h,
          backend,
          false,
          false,
        ])
      }
    }
  })

  it('agree on edge-case public keys: torsion points, both sign bits, non-canonical y (property)', () => {
    const edges: Uint8Array[] = []
    for (const h of ED25519_TORSION_SUBGROUP) {
      edges.push(hex(h))
      const flipped = hex(h)
      flipped[31] = (flipped[31] as number) ^ 0x80
      edges.push(flipped)
    }
    for (let low = 0xed; low <= 0xff; low++) {
      const y = new Uint8Array(32).fill(0xff)
      y[0] = low
      y[31] = 0x7f
      edges.push(y, Uint8Array.from(y).fill(0xff, 31))
    }
    const valid = ed25519KeyFromSeed(new Uint8Array(32).fill(5), 'noble')
    edges.push(valid.publicKey.raw)
    const msg = new Uint8Array([9, 9])
    fc.assert(
      fc.property(
        fc.constantFrom(...edges),
        fc.constantFrom('identity', 'A', 'random', 'real'),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (pub, rKind, rnd) => {
          const sig = new Uint8Array(64)
          if (rKind === 'identity') sig[0] = 1
          else if (rKind === 'A') sig.set(pub)
          else if (rKind === 'random') sig.set(rnd)
          else sig.set(valid.sign(msg))
          const a = ed25519PublicKeyFromRaw(pub, 'node').verify(msg, sig)
          const b = ed25519PublicKeyFromRaw(pub, 'noble').verify(msg, sig)
          expect(a).toBe(b)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('agree on a non-canonical S (S + L), which strict RFC 8032 rejects', () => {
    const key = ed25519KeyFromSeed(new Uint8Array(32).fill(1), 'node')
    const msg = new Uint8Array([1, 2, 3])
    const sig = key.sign(msg)
    // L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1), little-endian S.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    let s = 0n
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i] as number)
    let t = s + L
    const forged = sig.slice()
    for (let i = 0; i < 32; i++) {
      forged[32 + i] = Number(t & 0xffn)
      t >>= 8n
    }
    expect(ed25519PublicKeyFromRaw(key.publicKey.raw, 'node').verify(msg, forged)).toBe(false)
    expect(ed25519PublicKeyFromRaw(key.publicKey.raw, 'noble').verify(msg, forged)).toBe(false)
  })
})
