import { multiaddr } from '@multiformats/multiaddr'
import { ConnectionGatedError, enforceGate, SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { RuleGater } from './rule-gater.js'

describe('enforceGate with a RuleGater (how the switch uses a gater)', () => {
  it('throws a typed ConnectionGatedError naming the gate and reason', () => {
    const g = new RuleGater({ rules: { denyCidrs: ['192.0.2.0/24'] } })
    const addrs = {
      remoteAddr: multiaddr('/ip4/192.0.2.1/tcp/1'),
      localAddr: multiaddr('/ip4/127.0.0.1/tcp/2'),
    }
    let err: unknown
    try {
      enforceGate(g.interceptAccept(addrs), 'accept')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConnectionGatedError)
    expect(SwitchyardError.is(err, 'CONNECTION_GATED')).toBe(true)
    expect(err).toMatchObject({ gate: 'accept', reason: 'address 192.0.2.1 is in denied 192.0.2.0/24' })
    expect(() => enforceGate(undefined, 'secured')).not.toThrow()
  })
})
