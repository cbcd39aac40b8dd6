import { describe, expect, it } from 'vitest'
import { bytesKey, LruCache } from './lru-cache.js'

describe('LruCache', () => {
  it('holds at most maxEntries, dropping the least recently used', () => {
    const c = new LruCache<number>(3)
    for (let i = 0; i < 10; i++) {
      c.set(`k${i}`, i)
      expect(c.size).toBe(Math.min(i + 1, 3))
    }
    expect(c.get('k6')).toBeUndefined()
    expect([c.get('k7'), c.get('k8'), c.get('k9')]).toEqual([7, 8, 9])
    // k7 was used most recently but one: touching it keeps it over k8.
    c.get('k7')
    c.set('k10', 10)
    expect(c.get('k8')).toBeUndefined()
    expect(c.get('k7')).toBe(7)
    expect(c.size).toBe(3)
  })

  it('re-setting a key replaces it without growing', () => {
    const c = new LruCache<string>(2)
    c.set('a', '1')
    c.set('a', '2')
    expect(c.size).toBe(1)
    expect(c.get('a')).toBe('2')
  })

  it('maxEntries 0 holds nothing; bad bounds throw', () => {
    const c = new LruCache<number>(0)
    c.set('a', 1)
    expect(c.size).toBe(0)
    expect(c.get('a')).toBeUndefined()
    expect(() => new LruCache(-1)).toThrow(RangeError)
    expect(() => new LruCache(1.5)).toThrow(RangeError)
  })
})

describe('bytesKey', () => {
  it('keeps every byte and the split between parts', () => {
    const a = Uint8Array.of(1, 2, 3)
    const b = Uint8Array.of(4)
    expect(bytesKey(a, b)).not.toBe(bytesKey(Uint8Array.of(1, 2), Uint8Array.of(3, 4)))
    expect(bytesKey(a, b)).not.toBe(bytesKey(a, Uint8Array.of(5)))
    expect(bytesKey(a, b)).toBe(bytesKey(Uint8Array.of(1, 2, 3), Uint8Array.of(4)))
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const k = bytesKey(all)
    expect(k.length).toBe(4 + 256)
    expect([...k.slice(4)].map((ch) => ch.charCodeAt(0))).toEqual([...all])
  })

  it('reads views at any byteOffset', () => {
    const big = Uint8Array.of(9, 9, 1, 2, 3, 9)
    expect(bytesKey(big.subarray(2, 5))).toBe(bytesKey(Uint8Array.of(1, 2, 3)))
  })
})
