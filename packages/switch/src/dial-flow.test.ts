import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair, peerIdFromPrivateKey } from '@switchyard/peer-id'
import { describe, expect, it } from 'vitest'
import { PeerIdCache, parseTarget } from './dial-flow.js'

const id = () => peerIdFromPrivateKey(generateKeyPair())

describe('parseTarget', () => {
  it('takes the peer from a trailing /p2p, reusing the cached id object', () => {
    const peer = id()
    const cache = new PeerIdCache()
    const addr = `/ip4/127.0.0.1/tcp/1/p2p/${peer.toString()}`
    const a = parseTarget(multiaddr(addr), cache)
    const b = parseTarget(multiaddr(addr), cache)
    expect(a.peer?.equals(peer)).toBe(true)
    expect(b.peer).toBe(a.peer)
    expect(parseTarget(multiaddr('/ip4/127.0.0.1/tcp/1'), cache).peer).toBeUndefined()
  })
})

describe('PeerIdCache', () => {
  it('is bounded: the oldest id leaves first', () => {
    const cache = new PeerIdCache()
    const ids = Array.from({ length: 65 }, () => id().toString())
    const first = cache.get(ids[0]!)
    for (const s of ids.slice(1)) cache.get(s)
    expect(cache.get(ids[0]!)).not.toBe(first)
    expect(cache.get(ids[0]!).equals(first)).toBe(true)
  })

  it('throws for a malformed id, as peerIdFromString', () => {
    expect(() => new PeerIdCache().get('not-a-peer-id')).toThrow()
  })
})
