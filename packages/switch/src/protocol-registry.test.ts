import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId, StreamHandler } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import type { ConnInfo } from './events.js'
import { ProtocolRegistry, parseVersioned } from './protocol-registry.js'

const h: StreamHandler = () => {}
const peer: PeerId = { bytes: new Uint8Array([1]), toString: () => 'p', equals: () => true }
const info: ConnInfo = {
  id: 'conn-1',
  remotePeer: peer,
  direction: 'inbound',
  remoteAddr: multiaddr('/memory/a'),
  localAddr: multiaddr('/memory/b'),
  security: '/noise',
  muxer: '/yamux/1.0.0',
}

describe('parseVersioned', () => {
  it.each([
    ['/ipfs/kad/1.0.0', '/ipfs/kad/1', 0, 0],
    ['/meshsub/1.1', '/meshsub/1', 1, 0],
    ['/x/12.3.4', '/x/12', 3, 4],
  ])('%s', (p, key, minor, patch) => {
    expect(parseVersioned(p)).toEqual({ key, minor, patch })
  })
  it.each(['/noise', '/x/1.0.0-rc1', 'kad', '/x/v1.0.0'])('%s has no version', (p) => {
    expect(parseVersioned(p)).toBeUndefined()
  })
})

describe('ProtocolRegistry', () => {
  it('matches exactly, and by semver within the same major only when asked', () => {
    const r = new ProtocolRegistry()
    r.add('/kad/1.0.0', h, { semver: true })
    r.add('/kad/1.2.0', h, { semver: true })
    r.add('/exact/1.0.0', h)
    expect(r.resolve('/kad/1.0.0')?.protocol).toBe('/kad/1.0.0')
    expect(r.resolve('/kad/1.9.1')?.protocol).toBe('/kad/1.2.0')
    expect(r.resolve('/kad/2.0.0')).toBeUndefined()
    expect(r.resolve('/exact/1.0.1')).toBeUndefined()
    r.remove('/kad/1.2.0')
    expect(r.resolve('/kad/1.9.1')?.protocol).toBe('/kad/1.0.0')
  })

  it('refuses a second registration unless forced, and validates options', () => {
    const r = new ProtocolRegistry()
    r.add('/a/1.0.0', h)
    expect(() => r.add('/a/1.0.0', h)).toThrow(
      expect.objectContaining({ code: 'SWITCH_PROTOCOL_REGISTERED' }),
    )
    expect(() => r.add('/a/1.0.0', h, { force: true })).not.toThrow()
    expect(() => r.add('', h)).toThrow(TypeError)
    expect(() => r.add('/b', h, { semver: true })).toThrow(TypeError)
    expect(() => r.add('/c', h, { maxInboundStreams: -1 })).toThrow(RangeError)
  })

  it('applies per-connection sets and offer predicates at every lookup', () => {
    const r = new ProtocolRegistry()
    let open = true
    r.add('/a/1.0.0', h)
    r.add('/b/1.0.0', h, { offer: () => open })
    r.add('/c/1.0.0', h, {
      offer: () => {
        throw new Error('boom')
      },
    })
    expect(r.match('/a/1.0.0', info, undefined)).toBeDefined()
    expect(r.match('/a/1.0.0', info, new Set(['/b/1.0.0']))).toBeUndefined()
    expect(r.match('/b/1.0.0', info, undefined)).toBeDefined()
    open = false
    expect(r.match('/b/1.0.0', info, undefined)).toBeUndefined()
    expect(r.match('/c/1.0.0', info, undefined)).toBeUndefined()
  })
})
