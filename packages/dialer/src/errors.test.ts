import { multiaddr } from '@multiformats/multiaddr'
import { SwitchyardError } from '@switchyard/interface'
import { describe, expect, it } from 'vitest'
import { AddressErrors, DialBackoffError, DialError } from './errors.js'

describe('dial errors', () => {
  it('caps per-address causes and counts the rest', () => {
    const errors = new AddressErrors(16)
    for (let i = 0; i < 20; i++) errors.add(multiaddr(`/ip4/1.0.0.${i}/tcp/1`), new Error(`e${i}`))
    const err = errors.toError('DIAL_FAILED', 'all dial attempts failed')
    expect(err.errors).toHaveLength(16)
    expect(err.omitted).toBe(4)
    expect(err.message).toContain('/ip4/1.0.0.0/tcp/1: e0')
    expect(err.message).toContain('and 4 more')
    expect(SwitchyardError.is(err, 'DIAL_FAILED')).toBe(true)
    expect(err.name).toBe('DialError')
  })

  it('a backoff error carries when the backoff ends', () => {
    const err = new DialBackoffError(1_700_000_005_000, 'peer x')
    expect(err.code).toBe('DIAL_BACKOFF')
    expect(err.until).toBe(1_700_000_005_000)
    expect(err).toBeInstanceOf(DialError)
    expect(err.message).toContain('2023-11-14T22:13:25.000Z')
  })
})
