import { describe, expect, it } from 'vitest'
import { formatBytes, megabytesPerSecond, parseSize } from './sizes.js'

describe('sizes', () => {
  it.each([
    ['64MiB', 64 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['20MB', 20_000_000],
    ['512k', 512 * 1024],
    ['1000', 1000],
    ['1.5 KiB', 1536],
    ['0', 0],
  ])('parses %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes)
  })

  it.each(['', 'MiB', '-1MiB', '12 parsecs', '1e3'])('rejects %s with a message that quotes it', (text) => {
    expect(() => parseSize(text)).toThrow(RangeError)
    expect(() => parseSize(text)).toThrow(`"${text}"`)
  })

  it('formats', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1024 ** 3)).toBe('1.0 GiB')
    expect(megabytesPerSecond(10_000_000, 1000)).toBe(10)
  })
})
