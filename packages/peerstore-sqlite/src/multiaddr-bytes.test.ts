import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isMultiaddrBytes } from './multiaddr-bytes.js'

/** The reference: does @multiformats/multiaddr decode it? */
function decodes(bytes: Uint8Array): boolean {
  try {
    multiaddr(bytes)
    return true
  } catch {
    return false
  }
}

describe('isMultiaddrBytes', () => {
  it('accepts real addresses', () => {
    for (const s of [
      '/ip4/1.2.3.4/tcp/4001',
      '/ip6/::1/udp/4001/quic-v1',
      '/dns4/example.com/tcp/443/wss',
      '/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWEJfPhXbfSw1vCT3HsqvHMtRWqFbnAghWpn3kbs6Ewh5E/p2p-circuit',
      '/unix/%2Ftmp%2Fsock',
    ]) {
      expect(isMultiaddrBytes(multiaddr(s).bytes)).toBe(true)
    }
  })

  it('rejects empty, truncated, unknown-protocol and overlong input', () => {
    const good = multiaddr('/ip4/1.2.3.4/tcp/4001').bytes
    expect(isMultiaddrBytes(new Uint8Array(0))).toBe(false)
    expect(isMultiaddrBytes(good.subarray(0, good.byteLength - 1))).toBe(false)
    expect(isMultiaddrBytes(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))).toBe(false)
    expect(
      isMultiaddrBytes(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
    ).toBe(false)
  })

  it('never accepts what the multiaddr library cannot decode (property)', () => {
    const parts = fc.constantFrom(
      ...['/ip4/1.2.3.4', '/tcp/1', '/udp/2', '/dns/a.b', '/quic-v1', '/ip6/::2', '/p2p-circuit'].map(
        (s) => multiaddr(s).bytes,
      ),
    )
    const candidate = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.array(parts, { minLength: 1, maxLength: 4 }).chain((ps) => {
        const joined = Uint8Array.from(ps.flatMap((p) => [...p]))
        return fc.nat(joined.byteLength).map((cut) => joined.subarray(0, cut))
      }),
    )
    fc.assert(
      fc.property(candidate, (bytes) => {
        if (isMultiaddrBytes(bytes)) expect(decodes(bytes)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
