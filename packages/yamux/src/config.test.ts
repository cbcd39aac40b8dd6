import { describe, expect, it } from 'vitest'
import { defaults, validateInit } from './config.js'

describe('validateInit', () => {
  it('applies the defaults', () => {
    expect(validateInit()).toEqual(defaults)
    expect(defaults.initialStreamWindowBytes).toBe(256 * 1024)
    expect(defaults.maxStreamWindowBytes).toBe(16 * 1024 * 1024)
    expect(defaults.maxAckBacklog).toBe(256)
    expect(defaults.keepAliveIntervalMs).toBe(30_000)
  })

  it('rejects bad values at the boundary', () => {
    expect(() => validateInit({ initialStreamWindowBytes: 1024 })).toThrow(RangeError)
    expect(() => validateInit({ maxStreamWindowBytes: 2 ** 32 })).toThrow(RangeError)
    expect(() => validateInit({ initialStreamWindowBytes: 1 << 20, maxStreamWindowBytes: 1 << 19 })).toThrow(
      RangeError,
    )
    expect(() => validateInit({ maxFrameBytes: 1.5 })).toThrow(TypeError)
    expect(() => validateInit({ ackBacklogFull: 'maybe' as 'wait' })).toThrow(TypeError)
    expect(() => validateInit(null as unknown as object)).toThrow(TypeError)
  })

  it('keeps explicit values', () => {
    const c = validateInit({ keepAliveIntervalMs: 0, maxAckBacklog: 4, ackBacklogFull: 'fail' })
    expect(c.keepAliveIntervalMs).toBe(0)
    expect(c.maxAckBacklog).toBe(4)
    expect(c.ackBacklogFull).toBe('fail')
  })
})
