import { type PeerId as PeerIdContract, SwitchyardError } from '@switchyard/interface'
import fc from 'fast-check'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import vectors from '../test/vectors/peer-ids-spec.json' with { type: 'json' }
import { generateKeyPair, generateKeyPairFromSeed, publicKeyFromProtobuf } from './keys.js'
import {
  comparePeerIds,
  isPeerId,
  PeerId,
  peerIdFromBytes,
  peerIdFromCID,
  peerIdFromPrivateKey,
  peerIdFromPublicKey,
  peerIdFromString,
  publicKeyFromPeerId,
} from './peer-id.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const ex = vectors.peerIdExamples

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (SwitchyardError.is(err)) return err.code
    throw err
  }
  return undefined
}

describe('peer ids from keys', () => {
  it('Ed25519 and secp256k1 keys inline with the identity multihash; RSA and ECDSA hash with sha2-256', () => {
    const ed = peerIdFromPublicKey(publicKeyFromProtobuf(hex(vectors.ed25519.public)))
    expect(ed.hashCode).toBe(0x00)
    expect(ed.bytes).toEqual(hex(`0024${vectors.ed25519.public}`))
    expect(ed.toString()).toMatch(/^12D3KooW/)
    expect(ed.type).toBe('Ed25519')
    const k1 = peerIdFromPublicKey(publicKeyFromProtobuf(hex(vectors.secp256k1.public)))
    expect(k1.hashCode).toBe(0x00)
    expect(k1.toString()).toMatch(/^16Uiu2/)
    for (const v of [vectors.rsa.public, vectors.ecdsa.public]) {
      const id = peerIdFromPublicKey(publicKeyFromProtobuf(hex(v)))
      expect(id.hashCode).toBe(0x12)
      expect(id.bytes.byteLength).toBe(34)
      expect(id.toString()).toMatch(/^Qm/)
      // Parsed back from a string, a sha2-256 id does not know its key.
      expect(peerIdFromString(id.toString()).publicKey).toBeUndefined()
      expect(peerIdFromString(id.toString()).equals(id)).toBe(true)
    }
  })

  it('peerIdFromPrivateKey is the id of its public key; the key can be recovered from the id', () => {
    const key = generateKeyPairFromSeed(new Uint8Array(32).fill(3))
    const id = peerIdFromPrivateKey(key)
    const parsed = peerIdFromString(id.toString())
    expect(parsed.equals(id)).toBe(true)
    const pub = publicKeyFromPeerId(parsed)
    expect(pub?.equals(key.publicKey)).toBe(true)
    // Any PeerId implementation: only bytes are needed.
    expect(publicKeyFromPeerId({ bytes: id.bytes } as PeerIdContract)?.equals(key.publicKey)).toBe(true)
  })
})

describe('string and CID forms', () => {
  it('parses the spec examples', () => {
    const cid = peerIdFromString(ex.sha256Cid)
    const b58 = peerIdFromString(ex.sha256Base58)
    expect(cid.equals(b58)).toBe(true)
    expect(cid.toString()).toBe(ex.sha256Base58)
    expect(b58.toCIDString()).toBe(ex.sha256Cid)
    const ed = peerIdFromString(ex.ed25519Base58)
    expect(ed.toString()).toBe(ex.ed25519Base58)
    expect(ed.type).toBe('Ed25519')
    expect(peerIdFromString(ed.toCIDString()).equals(ed)).toBe(true)
    expect(ed.toCIDString()).toMatch(/^bafz/)
  })

  it('round-trips string, CID (base32, base36, base58btc) and bytes for random keys (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const id = peerIdFromPrivateKey(generateKeyPairFromSeed(seed, { backend: 'noble' }))
        expect(peerIdFromString(id.toString()).equals(id)).toBe(true)
        expect(peerIdFromString(id.toCIDString()).equals(id)).toBe(true)
        expect(peerIdFromString(id.toCID().toString(base36)).equals(id)).toBe(true)
        expect(peerIdFromString(id.toCID().toString(base58btc)).equals(id)).toBe(true)
        expect(peerIdFromCID(id.toCID()).equals(id)).toBe(true)
        expect(peerIdFromBytes(id.bytes).equals(id)).toBe(true)
        expect(JSON.stringify({ id })).toBe(`{"id":"${id.toString()}"}`)
      }),
      { numRuns: 50 },
    )
  })

  it.each([
    ['empty', ''],
    ['bad base58 character', '12D3KooW0000000000000000000000000000000000000000000000'],
    ['unknown multibase', 'xabc'],
    ['too long', `Qm${'a'.repeat(200)}`],
    ['a multiaddr', '/ip4/127.0.0.1/tcp/1'],
  ])('rejects %s with PEER_ID_INVALID_STRING', (_n, s) => {
    expect(code(() => peerIdFromString(s))).toBe('PEER_ID_INVALID_STRING')
  })

  it('rejects CIDs that are not v1 libp2p-key', () => {
    const id = peerIdFromString(ex.sha256Base58)
    const raw = CID.createV1(0x55, id.toCID().multihash)
    expect(code(() => peerIdFromString(raw.toString()))).toBe('PEER_ID_INVALID_CID')
    expect(code(() => peerIdFromCID(CID.createV0(id.toCID().multihash as never)))).toBe('PEER_ID_INVALID_CID')
    expect(() => peerIdFromCID('bafz' as never)).toThrow(TypeError)
  })

  it('rejects bad multihashes', () => {
    const ed = peerIdFromString(ex.ed25519Base58).bytes
    const cases: [string, Uint8Array][] = [
      ['truncated', ed.subarray(0, 20)],
      ['too short', new Uint8Array([0])],
      ['trailing byte', Uint8Array.from([...ed, 0])],
      ['sha1', Uint8Array.from([0x11, 0x14, ...new Uint8Array(20)])],
      ['sha2-256 of 31 bytes', Uint8Array.from([0x12, 0x1f, ...new Uint8Array(31)])],
      ['non-minimal length varint', Uint8Array.from([0x12, 0xa0, 0x00, ...new Uint8Array(32)])],
      ['identity over 42 bytes', Uint8Array.from([0x00, 43, ...new Uint8Array(43)])],
      ['identity of a truncated key', Uint8Array.from([0x00, 0x22, ...ed.subarray(2, 36)])],
      ['identity of an unknown key type', Uint8Array.from([0x00, 0x24, 0x08, 0x07, ...ed.subarray(4)])],
      ['identity of a non-key', Uint8Array.from([0x00, 0x03, 1, 2, 3])],
    ]
    for (const [name, bytes] of cases) {
      expect([name, code(() => peerIdFromBytes(bytes))]).toEqual([name, 'PEER_ID_INVALID_MULTIHASH'])
    }
    // The string path gives the same error, with the key error as cause.
    const s = base58btc.baseEncode(Uint8Array.from([0x00, 0x24, 0x08, 0x07, ...ed.subarray(4)]))
    try {
      peerIdFromString(s)
      expect.unreachable()
    } catch (err) {
      expect(SwitchyardError.is(err, 'PEER_ID_INVALID_MULTIHASH')).toBe(true)
      expect(SwitchyardError.is((err as Error).cause, 'KEY_UNKNOWN_TYPE')).toBe(true)
    }
  })

  it('arbitrary strings and bytes parse or fail with a PeerIdError (property)', () => {
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl'
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 70 }),
          fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 70 }).map((s) => `12D3KooW${s}`),
          fc.uint8Array({ maxLength: 60 }).map((b) => base32.encode(b)),
          fc.uint8Array({ maxLength: 44 }).map((b) => `Qm${base58btc.baseEncode(b)}`),
        ),
        (s) => {
          try {
            expect(peerIdFromString(s).bytes.byteLength).toBeGreaterThan(2)
          } catch (err) {
            expect((err as Error).name).toBe('PeerIdError')
          }
        },
      ),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50 }), (b) => {
        try {
          expect(peerIdFromBytes(b).bytes).toEqual(b)
        } catch (err) {
          expect((err as Error).name).toBe('PeerIdError')
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('throws TypeError for non-string / non-bytes arguments', () => {
    expect(() => peerIdFromString(42 as unknown as string)).toThrow(TypeError)
    expect(() => peerIdFromBytes('x' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => peerIdFromPublicKey({} as never)).toThrow(TypeError)
  })
})

describe('equality and ordering', () => {
  it('equals compares bytes, also with other PeerId implementations', () => {
    const a = peerIdFromPrivateKey(generateKeyPair())
    const b = peerIdFromPrivateKey(generateKeyPair())
    expect(a.equals(a)).toBe(true)
    expect(a.equals(b)).toBe(false)
    expect(a.equals({ bytes: a.bytes.slice(), toString: () => '', equals: () => true })).toBe(true)
    expect(a.equals(undefined)).toBe(false)
    expect(isPeerId(a)).toBe(true)
    expect(isPeerId({ bytes: a.bytes })).toBe(false)
    expect(a).toBeInstanceOf(PeerId)
  })

  it('comparePeerIds is byte-wise lexicographic, a prefix first (property)', () => {
    const mk = (bytes: Uint8Array) => ({ bytes }) as PeerIdContract
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (x, y) => {
        const naive = Buffer.compare(Buffer.from(x), Buffer.from(y))
        expect(comparePeerIds(mk(x), mk(y))).toBe(naive)
        expect(comparePeerIds(mk(y), mk(x))).toBe(0 - naive || 0)
        expect(comparePeerIds(mk(x), mk(x.slice()))).toBe(0)
      }),
      { numRuns: 500 },
    )
    expect(comparePeerIds(mk(Uint8Array.of(1, 2)), mk(Uint8Array.of(1, 2, 0)))).toBe(-1)
    expect(comparePeerIds(mk(Uint8Array.of(0x12)), mk(Uint8Array.of(0x00, 0xff)))).toBe(1)
  })
})
