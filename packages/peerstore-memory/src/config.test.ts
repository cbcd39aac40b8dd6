import { describe, expect, it } from 'vitest'
import { defaults, validateInit } from './config.js'

describe('validateInit', () => {
  it('fills in the defaults', () => {
    expect(validateInit()).toEqual(defaults)
    expect(validateInit({ maxPeers: undefined }).maxPeers).toBe(defaults.maxPeers)
    expect(validateInit({ maxPeers: 5 }).maxPeers).toBe(5)
  })

  it('rejects bad values at the boundary', () => {
    expect(() => validateInit({ now: 5 as unknown as () => number })).toThrow(TypeError)
    expect(() => validateInit({ gcIntervalMs: -1 })).toThrow(RangeError)
    expect(() => validateInit({ maxPeers: 0 })).toThrow(RangeError)
    expect(() => validateInit({ maxAddrsPerPeer: 1.5 })).toThrow(RangeError)
    expect(() => validateInit({ latencySmoothing: 0 })).toThrow(RangeError)
    expect(() => validateInit({ latencySmoothing: 2 })).toThrow(RangeError)
  })
})
