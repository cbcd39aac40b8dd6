import * as peerId from '@switchyard/peer-id'
import { generateKeyPair, type PeerId } from '@switchyard/peer-id'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { caught, makePeer, securePair } from '../test/helpers.js'
import type { DhPublicKey, NoiseCrypto } from './crypto.js'
import { nobleNoiseCrypto } from './crypto-noble.js'
import { nodeNoiseCrypto } from './crypto-node.js'
import { NoiseError } from './errors.js'
import { MAX_CACHED_IDENTITY_BYTES, staticKeySignedData, verifyIdentity } from './identity.js'
import { LruCache } from './lru-cache.js'

// Counts every identity-key decode and every signature verification that reaches
// @switchyard/peer-id, so a test can tell a cache hit (neither) from a miss (both).
const counts = vi.hoisted(() => ({ decodes: 0, verifies: 0 }))
vi.mock('@switchyard/peer-id', async (importOriginal) => {
  const orig = await importOriginal<typeof import('@switchyard/peer-id')>()
  return {
    ...orig,
    publicKeyFromProtobuf: vi.fn((bytes: Uint8Array) => {
      counts.decodes++
      const key = orig.publicKeyFromProtobuf(bytes)
      const verify = key.verify.bind(key)
      key.verify = (data: Uint8Array, sig: Uint8Array) => {
        counts.verifies++
        return verify(data, sig)
      }
      return key
    }),
  }
})

beforeEach(() => {
  counts.decodes = 0
  counts.verifies = 0
})

function identity() {
  const key = generateKeyPair()
  const signFor = (staticKey: Uint8Array) => key.sign(staticKeySignedData(staticKey))
  return { key, pb: key.publicKey.toProtobuf(), signFor }
}
const randomStatic = () => crypto.getRandomValues(new Uint8Array(32))

describe('verifyIdentity with a cache', () => {
  it('a hit returns the remembered peer id without decoding or verifying', () => {
    const id = identity()
    const s = randomStatic()
    const sig = id.signFor(s)
    const cache = new LruCache<PeerId>(8)
    const p1 = verifyIdentity(id.pb, sig, s, cache)
    expect(counts).toEqual({ decodes: 1, verifies: 1 })
    expect(p1.equals(peerId.peerIdFromPublicKey(id.key.publicKey))).toBe(true)
    // Fresh copies of the same bytes hit too.
    const p2 = verifyIdentity(id.pb.slice(), sig.slice(), s.slice(), cache)
    expect(p2).toBe(p1)
    expect(counts).toEqual({ decodes: 1, verifies: 1 })
    expect(cache.size).toBe(1)
  })

  it('another static key, signature or identity key is a miss, verified in full', () => {
    const id = identity()
    const other = identity()
    const s1 = randomStatic()
    const s2 = randomStatic()
    const cache = new LruCache<PeerId>(8)
    verifyIdentity(id.pb, id.signFor(s1), s1, cache)
    verifyIdentity(id.pb, id.signFor(s2), s2, cache) // another static key (and so signature)
    verifyIdentity(other.pb, other.signFor(s1), s1, cache) // another identity, same static key
    expect(counts.verifies).toBe(3)
    expect(cache.size).toBe(3)
    // A remembered signature presented with another static key is not a hit: it fails.
    const err = caughtSync(() => verifyIdentity(id.pb, id.signFor(s1), s2, cache))
    expect(NoiseError.is(err) && err.code).toBe('NOISE_INVALID_SIGNATURE')
    // A remembered (static, signature) with another identity key fails too.
    const err2 = caughtSync(() => verifyIdentity(other.pb, id.signFor(s1), s1, cache))
    expect(NoiseError.is(err2) && err2.code).toBe('NOISE_INVALID_SIGNATURE')
    expect(counts.verifies).toBe(5)
    expect(cache.size).toBe(3)
  })

  it('a bad signature is never remembered: it fails again, verified again', () => {
    const id = identity()
    const s = randomStatic()
    const bad = id.signFor(s)
    bad[10]! ^= 1
    const cache = new LruCache<PeerId>(8)
    for (let i = 1; i <= 3; i++) {
      const err = caughtSync(() => verifyIdentity(id.pb, bad, s, cache))
      expect(NoiseError.is(err) && err.code).toBe('NOISE_INVALID_SIGNATURE')
      expect(counts.verifies).toBe(i)
    }
    expect(cache.size).toBe(0)
    // An undecodable key is not remembered either.
    const junk = Uint8Array.of(8, 9, 18, 0)
    for (let i = 0; i < 2; i++) expect(caughtSync(() => verifyIdentity(junk, bad, s, cache))).toBeDefined()
    expect(cache.size).toBe(0)
  })

  it('the bound holds: the least recently used identity is verified again', () => {
    const ids = [identity(), identity(), identity()]
    const s = randomStatic()
    const sigs = ids.map((id) => id.signFor(s))
    const cache = new LruCache<PeerId>(2)
    for (let i = 0; i < 3; i++) verifyIdentity(ids[i]!.pb, sigs[i]!, s, cache)
    expect(cache.size).toBe(2)
    expect(counts.verifies).toBe(3)
    verifyIdentity(ids[2]!.pb, sigs[2]!, s, cache) // still there
    expect(counts.verifies).toBe(3)
    verifyIdentity(ids[0]!.pb, sigs[0]!, s, cache) // evicted: verified again
    expect(counts.verifies).toBe(4)
    expect(cache.size).toBe(2)
  })

  it('no cache or a cache of 0 verifies every time', () => {
    const id = identity()
    const s = randomStatic()
    const sig = id.signFor(s)
    const zero = new LruCache<PeerId>(0)
    for (let i = 0; i < 2; i++) {
      verifyIdentity(id.pb, sig, s)
      verifyIdentity(id.pb, sig, s, zero)
    }
    expect(counts.verifies).toBe(4)
    expect(zero.size).toBe(0)
  })

  it(`identities over ${MAX_CACHED_IDENTITY_BYTES} bytes are verified but not remembered`, () => {
    // A stand-in for a large (RSA) key: a valid key whose protobuf is big.
    const big = new Uint8Array(MAX_CACHED_IDENTITY_BYTES)
    const fake = { type: 'RSA', verify: () => true, toProtobuf: () => big, equals: () => false }
    vi.mocked(peerId.publicKeyFromProtobuf).mockImplementation(() => {
      counts.verifies++
      return fake as never
    })
    try {
      const s = randomStatic()
      const cache = new LruCache<PeerId>(8)
      verifyIdentity(big, new Uint8Array(64), s, cache)
      verifyIdentity(big, new Uint8Array(64), s, cache)
      expect(counts.verifies).toBe(2)
      expect(cache.size).toBe(0)
    } finally {
      vi.mocked(peerId.publicKeyFromProtobuf).mockRestore()
    }
  })
})

/** A crypto backend that counts remote public key imports. */
function countingCrypto(base: NoiseCrypto): NoiseCrypto & { imports: number } {
  const c = Object.assign(Object.create(base) as NoiseCrypto, { imports: 0 })
  c.importPublicKey = (bytes: Uint8Array): DhPublicKey => {
    c.imports++
    return base.importPublicKey(bytes)
  }
  return c
}

describe.each([
  ['node', 'node'],
  ['noble', 'noble'],
  ['node', 'noble'],
] as const)('handshakes with the caches (initiator %s, responder %s)', (ic, rc) => {
  const backend = (name: 'node' | 'noble') => (name === 'node' ? nodeNoiseCrypto! : nobleNoiseCrypto)

  it('a second handshake between the same peers verifies nothing and imports only the ephemeral key', async () => {
    const ca = countingCrypto(backend(ic))
    const cb = countingCrypto(backend(rc))
    const alice = makePeer({ crypto: ca })
    const bob = makePeer({ crypto: cb })
    await securePair(alice, bob)
    expect(counts.verifies).toBe(2)
    expect([ca.imports, cb.imports]).toEqual([2, 2]) // e and s of the remote
    for (let i = 0; i < 3; i++) {
      const { client, server } = await securePair(alice, bob)
      expect(client.remotePeer.equals(bob.peerId)).toBe(true)
      expect(server.remotePeer.equals(alice.peerId)).toBe(true)
      client.stream.destroy()
      server.stream.destroy()
    }
    expect(counts.verifies).toBe(2)
    expect([ca.imports, cb.imports]).toEqual([5, 5]) // + one fresh remote ephemeral key each
  })

  it('verifiedIdentityCacheSize 0 verifies and imports everything every time', async () => {
    const ca = countingCrypto(backend(ic))
    const cb = countingCrypto(backend(rc))
    const alice = makePeer({ crypto: ca, verifiedIdentityCacheSize: 0 })
    const bob = makePeer({ crypto: cb, verifiedIdentityCacheSize: 0 })
    for (let i = 0; i < 3; i++) await securePair(alice, bob)
    expect(counts.verifies).toBe(6)
    expect([ca.imports, cb.imports]).toEqual([6, 6])
  })

  it('a hit still checks the expected peer', async () => {
    const alice = makePeer({ crypto: backend(ic) })
    const bob = makePeer({ crypto: backend(rc) })
    const carol = makePeer()
    await securePair(alice, bob)
    const err = await caught(securePair(alice, { ...bob, peerId: carol.peerId }))
    expect(NoiseError.is(err) && err.code).toBe('NOISE_UNEXPECTED_PEER')
    expect(counts.verifies).toBe(2)
  })
})

describe('the caches belong to one createNoise instance', () => {
  it('another instance verifies again', async () => {
    const key = generateKeyPair()
    const bob = makePeer()
    await securePair(makePeer({ privateKey: key }), bob)
    // Same identity key but a new instance: a new static key, and an empty cache
    // on its side; bob's side misses too (another static key and signature).
    await securePair(makePeer({ privateKey: key }), bob)
    expect(counts.verifies).toBe(4)
  })

  it('createNoise rejects a bad verifiedIdentityCacheSize', () => {
    const privateKey = generateKeyPair()
    for (const n of [-1, 1.5, Number.NaN]) {
      expect(() => makePeer({ privateKey, verifiedIdentityCacheSize: n })).toThrow(RangeError)
    }
  })
})

function caughtSync(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a failure')
}
