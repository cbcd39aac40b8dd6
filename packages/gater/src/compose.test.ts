import { multiaddr } from '@multiformats/multiaddr'
import { ALLOW, type ConnectionGater, deny, type PeerId } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { allowAll } from './allow-all.js'
import { all, any } from './compose.js'
import { RuleGater } from './rule-gater.js'

const peer: PeerId = { bytes: new Uint8Array([1]), toString: () => 'p', equals: () => true }
const addrs = { remoteAddr: multiaddr('/ip4/10.0.0.1/tcp/1'), localAddr: multiaddr('/ip4/10.0.0.2/tcp/1') }
const denyAll = (why: string): ConnectionGater => ({
  interceptPeerDial: () => deny(why),
  interceptAddrDial: () => deny(why),
  interceptAccept: () => deny(why),
  interceptSecured: () => deny(why),
  interceptUpgraded: () => deny(why),
})

describe('allowAll', () => {
  it('allows at every hook', () => {
    const g = allowAll()
    expect(g.interceptPeerDial?.(peer)).toBe(ALLOW)
    expect(g.interceptAddrDial?.(peer, addrs.remoteAddr)).toBe(ALLOW)
    expect(g.interceptAccept?.(addrs)).toBe(ALLOW)
    expect(g.interceptSecured?.({ ...addrs, remotePeer: peer, direction: 'inbound' })).toBe(ALLOW)
    expect(
      g.interceptUpgraded?.({
        ...addrs,
        remotePeer: peer,
        direction: 'outbound',
        security: '/noise',
        muxer: '/yamux/1.0.0',
      }),
    ).toBe(ALLOW)
  })
})

describe('all / any', () => {
  it('all() denies with the first denial; any() allows with one allow', () => {
    expect(all(allowAll(), denyAll('a'), denyAll('b')).interceptAccept?.(addrs)).toEqual(deny('a'))
    expect(all(allowAll(), allowAll()).interceptAccept?.(addrs)).toBe(ALLOW)
    expect(any(denyAll('a'), allowAll()).interceptAccept?.(addrs)).toBe(ALLOW)
    expect(any(denyAll('a'), denyAll('b')).interceptPeerDial?.(peer)).toEqual(deny('a; b'))
  })

  it('a missing hook counts as allow', () => {
    const onlyAccept: ConnectionGater = { interceptAccept: () => deny('no') }
    expect(all(onlyAccept).interceptPeerDial?.(peer)).toBe(ALLOW)
    expect(all(onlyAccept).interceptAccept?.(addrs)).toEqual(deny('no'))
    expect(any(onlyAccept, denyAll('x')).interceptPeerDial?.(peer)).toBe(ALLOW)
  })

  it('empty compositions: all() allows, any() denies', () => {
    expect(all().interceptAccept?.(addrs)).toBe(ALLOW)
    expect(any().interceptAccept?.(addrs)?.allow).toBe(false)
  })

  it('composes rule gaters and sees their later changes', () => {
    const a = new RuleGater()
    const b = new RuleGater()
    const g = all(a, b)
    expect(g.interceptAccept?.(addrs).allow).toBe(true)
    b.denyCidr('10.0.0.0/8')
    expect(g.interceptAccept?.(addrs)).toEqual(deny('address 10.0.0.1 is in denied 10.0.0.0/8'))
  })

  it('keeps `this` of class-based gaters', () => {
    class Counting implements ConnectionGater {
      n = 0
      interceptAccept() {
        this.n++
        return ALLOW
      }
    }
    const c = new Counting()
    any(c).interceptAccept?.(addrs)
    expect(c.n).toBe(1)
  })
})
