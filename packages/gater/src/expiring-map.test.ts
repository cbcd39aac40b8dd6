import { describe, expect, it } from 'vitest'
import { ExpiringMap } from './expiring-map.js'

describe('ExpiringMap', () => {
  it('entries vanish at their expiry, permanent ones stay', () => {
    let now = 0
    const m = new ExpiringMap<string, number>(() => now)
    m.set('a', 1, 100)
    m.set('b', 2)
    expect(m.get('a')).toEqual({ value: 1, expiresAt: 100 })
    now = 99
    expect(m.size).toBe(2)
    now = 100
    expect(m.get('a')).toBeUndefined()
    expect([...m.entries()]).toEqual([['b', 2, undefined]])
    expect(m.delete('b')).toBe(true)
    expect(m.size).toBe(0)
  })
})
